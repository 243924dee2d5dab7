from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="IngestEndpoint")


@_attrs_define
class IngestEndpoint:
    """One address a publisher can send a source's feed to.

    Attributes:
        protocol (str): `rtmp`, `rtmps`, `srt` or `whip`. Extensible. Example: rtmp.
        url (str): Where a publisher sends the feed. Example: rtmp://ingest-
            dev.traxstreaming.live:1935/inputs/rtmp-3f1c9a2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.
    """

    protocol: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        protocol = self.protocol

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "protocol": protocol,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        protocol = d.pop("protocol")

        url = d.pop("url")

        ingest_endpoint = cls(
            protocol=protocol,
            url=url,
        )

        ingest_endpoint.additional_properties = d
        return ingest_endpoint

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
