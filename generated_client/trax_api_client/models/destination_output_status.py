from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.stream_health import StreamHealth


T = TypeVar("T", bound="DestinationOutputStatus")


@_attrs_define
class DestinationOutputStatus:
    """A destination's output as `get_stream_status` reports it, with its studio and the reason for an error.

    Attributes:
        destination_id (str): The destination's id. Example: dest_01JDQ3B1C2D3E4F5G6H7J8K9M0.
        studio_id (str): The destination's studio. Example: studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5.
        platform (str): The platform. Extensible. Example: youtube.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        status (str): `idle`, `starting`, `live`, `errored` or `disabled`. Extensible. Example: errored.
        reason (None | str): Why the output errored (for example `output_failed`); `null` unless `status` is `errored`.
            Extensible. Example: output_failed.
        health (StreamHealth): Measured stream health, from the relay's ffmpeg processes (`-progress`, refreshed
            every second while live). Every figure is `null` where nothing measures it: for an
            output that is not `live`, and on a deployment whose engine relays no media.
    """

    destination_id: str
    studio_id: str
    platform: str
    name: str
    status: str
    reason: None | str
    health: StreamHealth
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        destination_id = self.destination_id

        studio_id = self.studio_id

        platform = self.platform

        name = self.name

        status = self.status

        reason: None | str
        reason = self.reason

        health = self.health.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "destinationId": destination_id,
                "studioId": studio_id,
                "platform": platform,
                "name": name,
                "status": status,
                "reason": reason,
                "health": health,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stream_health import StreamHealth  # noqa: PLC0415

        d = dict(src_dict)
        destination_id = d.pop("destinationId")

        studio_id = d.pop("studioId")

        platform = d.pop("platform")

        name = d.pop("name")

        status = d.pop("status")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        health = StreamHealth.from_dict(d.pop("health"))

        destination_output_status = cls(
            destination_id=destination_id,
            studio_id=studio_id,
            platform=platform,
            name=name,
            status=status,
            reason=reason,
            health=health,
        )

        destination_output_status.additional_properties = d
        return destination_output_status

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
