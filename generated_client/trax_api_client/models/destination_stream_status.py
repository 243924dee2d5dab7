from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.stream_health import StreamHealth


T = TypeVar("T", bound="DestinationStreamStatus")


@_attrs_define
class DestinationStreamStatus:
    """
    Attributes:
        destination_id (str):  Example: dest_01JDQ3B1C2D3E4F5G6H7J8K9M0.
        platform (str):  Example: youtube.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        status (str): `idle` (studio offline), `starting`, `live`, `errored` or `disabled` (the destination
            is disabled). Extensible.
             Example: live.
        health (StreamHealth): Measured stream health. Every figure is `null` when nothing measures it; the built-in
            engine measures nothing, so all are `null`.
    """

    destination_id: str
    platform: str
    name: str
    status: str
    health: StreamHealth
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        destination_id = self.destination_id

        platform = self.platform

        name = self.name

        status = self.status

        health = self.health.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "destinationId": destination_id,
                "platform": platform,
                "name": name,
                "status": status,
                "health": health,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stream_health import StreamHealth  # noqa: PLC0415

        d = dict(src_dict)
        destination_id = d.pop("destinationId")

        platform = d.pop("platform")

        name = d.pop("name")

        status = d.pop("status")

        health = StreamHealth.from_dict(d.pop("health"))

        destination_stream_status = cls(
            destination_id=destination_id,
            platform=platform,
            name=name,
            status=status,
            health=health,
        )

        destination_stream_status.additional_properties = d
        return destination_stream_status

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
