from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.ingest_endpoint import IngestEndpoint


T = TypeVar("T", bound="SourceIngestType0")


@_attrs_define
class SourceIngestType0:
    """Server-generated ingest details of a network source: where to publish its feed. `null`
    for a `media` source.

        Attributes:
            stream_path (str): `inputs/<kind>-<uuid>`. Opaque: do not parse it. Example:
                inputs/rtmp-3f1c9a2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.
            endpoints (list[IngestEndpoint]): Every address the feed can be published to; empty for `media` sources.
    """

    stream_path: str
    endpoints: list[IngestEndpoint]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        stream_path = self.stream_path

        endpoints = []
        for endpoints_item_data in self.endpoints:
            endpoints_item = endpoints_item_data.to_dict()
            endpoints.append(endpoints_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "streamPath": stream_path,
                "endpoints": endpoints,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ingest_endpoint import IngestEndpoint  # noqa: PLC0415

        d = dict(src_dict)
        stream_path = d.pop("streamPath")

        endpoints = []
        _endpoints = d.pop("endpoints")
        for endpoints_item_data in _endpoints:
            endpoints_item = IngestEndpoint.from_dict(endpoints_item_data)

            endpoints.append(endpoints_item)

        source_ingest_type_0 = cls(
            stream_path=stream_path,
            endpoints=endpoints,
        )

        source_ingest_type_0.additional_properties = d
        return source_ingest_type_0

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
