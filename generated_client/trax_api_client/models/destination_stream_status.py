from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.stream_health import StreamHealth


T = TypeVar("T", bound="DestinationStreamStatus")


@_attrs_define
class DestinationStreamStatus:
    """How one destination's output is doing while the studio streams.

    Attributes:
        destination_id (str): The destination. Example: dest_01JDQ3B1C2D3E4F5G6H7J8K9M0.
        platform (str): The destination's platform. Example: youtube.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        status (str): `idle` (studio offline), `starting` (until the destination's server has accepted the
            first bytes), `live` (while output flows), `errored` (see `reason` and `retryAt`) or
            `disabled` (the destination is disabled). Extensible.
             Example: live.
        health (StreamHealth): Measured stream health, from the relay's ffmpeg processes (`-progress`, refreshed
            every second while live). Every figure is `null` where nothing measures it: for an
            output that is not `live`, and on a deployment whose engine relays no media.
        reason (None | str | Unset): Why the output is `errored`; `null` otherwise. Extensible: `connection_refused`,
            `connection_failed`, `connection_timeout`, `connection_lost`, `key_rejected`,
            `input_lost`, `output_stalled`, `address_not_allowed`, `process_exited`,
            `relay_unavailable` (no relay worker runs the studio: see `StreamStatus.reason`),
            `outputs_failed` (the relay gave the studio up: see `StreamStatus.reason`).
        retry_at (datetime.datetime | None | Unset): When the relay next tries an `errored` output again (backoff
            doubling from 1 s
            to 30 s); `null` otherwise. The output recovers by itself once its server accepts it.
    """

    destination_id: str
    platform: str
    name: str
    status: str
    health: StreamHealth
    reason: None | str | Unset = UNSET
    retry_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        destination_id = self.destination_id

        platform = self.platform

        name = self.name

        status = self.status

        health = self.health.to_dict()

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        retry_at: None | str | Unset
        if isinstance(self.retry_at, Unset):
            retry_at = UNSET
        elif isinstance(self.retry_at, datetime.datetime):
            retry_at = self.retry_at.isoformat()
        else:
            retry_at = self.retry_at

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
        if reason is not UNSET:
            field_dict["reason"] = reason
        if retry_at is not UNSET:
            field_dict["retryAt"] = retry_at

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

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_retry_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retry_at_type_0 = datetime.datetime.fromisoformat(data)

                return retry_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        retry_at = _parse_retry_at(d.pop("retryAt", UNSET))

        destination_stream_status = cls(
            destination_id=destination_id,
            platform=platform,
            name=name,
            status=status,
            health=health,
            reason=reason,
            retry_at=retry_at,
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
