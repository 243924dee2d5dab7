from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="IngestAvailability")


@_attrs_define
class IngestAvailability:
    """Whether this deployment accepts publishers for each network source kind right now.
    `available`: an ingest is running (for `rtmp` in the embedded deployment, nginx with
    the RTMP module next to a relay worker). `unavailable`: none is; sources of that kind
    stay `idle` and never become the program. The embedded deployment has no `srt` or
    `whip` ingest, so those are always `unavailable` there.

        Attributes:
            rtmp (str): `available` or `unavailable`. Extensible. Example: available.
            srt (str): `available` or `unavailable`. Extensible. Example: available.
            whip (str): `available` or `unavailable`. Extensible. Example: available.
    """

    rtmp: str
    srt: str
    whip: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rtmp = self.rtmp

        srt = self.srt

        whip = self.whip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rtmp": rtmp,
                "srt": srt,
                "whip": whip,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rtmp = d.pop("rtmp")

        srt = d.pop("srt")

        whip = d.pop("whip")

        ingest_availability = cls(
            rtmp=rtmp,
            srt=srt,
            whip=whip,
        )

        ingest_availability.additional_properties = d
        return ingest_availability

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
