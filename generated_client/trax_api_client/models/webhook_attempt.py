from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookAttempt")


@_attrs_define
class WebhookAttempt:
    """One delivery attempt.

    Attributes:
        id (str): `wha_` followed by a ULID. Example: wha_01JDQ5D1E2F3G4H5J6K7M8N9P0.
        event_id (str): The event delivered. Example: evt_01JDQ5A1B2C3D4E5F6G7H8J9K0.
        attempted_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
        response_status (int | None): The receiver's HTTP status; `null` when no response came (see `error`). Example:
            200.
        error (None | str): Why no response came: `timeout`, `connection_failed`, `tls_error`,
            `protocol_error`, `address_refused` (the URL now resolves to an address the
            outbound guard refuses) or `dns_unavailable` (the name could not be looked up just
            then); `null` when there was a response. Extensible.
        duration_ms (int): How long the attempt took, in milliseconds. Example: 41.
        next_retry_at (datetime.datetime | None): When the next attempt is due; `null` after a success or the last
            attempt.
    """

    id: str
    event_id: str
    attempted_at: datetime.datetime
    response_status: int | None
    error: None | str
    duration_ms: int
    next_retry_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        event_id = self.event_id

        attempted_at = self.attempted_at.isoformat()

        response_status: int | None
        response_status = self.response_status

        error: None | str
        error = self.error

        duration_ms = self.duration_ms

        next_retry_at: None | str
        if isinstance(self.next_retry_at, datetime.datetime):
            next_retry_at = self.next_retry_at.isoformat()
        else:
            next_retry_at = self.next_retry_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "eventId": event_id,
                "attemptedAt": attempted_at,
                "responseStatus": response_status,
                "error": error,
                "durationMs": duration_ms,
                "nextRetryAt": next_retry_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        event_id = d.pop("eventId")

        attempted_at = datetime.datetime.fromisoformat(d.pop("attemptedAt"))

        def _parse_response_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        response_status = _parse_response_status(d.pop("responseStatus"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        duration_ms = d.pop("durationMs")

        def _parse_next_retry_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_retry_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_retry_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_retry_at = _parse_next_retry_at(d.pop("nextRetryAt"))

        webhook_attempt = cls(
            id=id,
            event_id=event_id,
            attempted_at=attempted_at,
            response_status=response_status,
            error=error,
            duration_ms=duration_ms,
            next_retry_at=next_retry_at,
        )

        webhook_attempt.additional_properties = d
        return webhook_attempt

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
