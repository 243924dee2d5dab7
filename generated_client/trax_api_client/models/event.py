from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_data import EventData
    from ..models.event_request import EventRequest


T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """Something that happened, exactly as `GET /events` lists it and as webhook deliveries
    POST it (the body of a delivery is this object).

        Attributes:
            id (str): `evt_` followed by a ULID; sorts in creation order. Also the `webhook-id` of its deliveries. Example:
                evt_01JDQ5A1B2C3D4E5F6G7H8J9K0.
            type_ (str): What happened, as `resource.event`. Extensible: new types may be added within /v1, so
                ignore types you do not know. Each type's `data` follows the schema named here:

                | type | `data` schema | when |
                |---|---|---|
                | `stream.starting`, `stream.live`, `stream.stopping`, `stream.offline`, `stream.errored` | `StreamEventData` |
                the studio's stream entered that state |
                | `destination.status_changed` | `DestinationStatusChangedEventData` | a destination's output status changed
                (`reason` when it errored) |
                | `chat.message` | `ChatEventData` | an inbound chat message arrived from a platform |
                | `chat.delivery_failed` | `ChatEventData` | a chat delivery failed for good (see its `deliveries`) |
                | `media.ready`, `media.failed`, `media.expired` | `MediaEventData` | an upload settled |
                | `connection.unlinked` | `ConnectionUnlinkedEventData` | a platform account was unlinked |
                | `webhook.disabled` | `WebhookEventData` | the platform disabled an endpoint (`410 Gone`, or 5 days of
                failures) |
                | `webhook.test` | `WebhookEventData` | `send_test_webhook` was called (to that endpoint only) |
                 Example: stream.live.
            created_at (datetime.datetime): When the change was committed. Example: 2026-11-21T19:00:02.000Z.
            data (EventData): The resource and what changed. Its exact shape depends on `type` (see `EventType`
                for the schema of each type).
            request (EventRequest): The API call that caused the event.
    """

    id: str
    type_: str
    created_at: datetime.datetime
    data: EventData
    request: EventRequest
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        type_ = self.type_

        created_at = self.created_at.isoformat()

        data = self.data.to_dict()

        request = self.request.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "createdAt": created_at,
                "data": data,
                "request": request,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_data import EventData  # noqa: PLC0415
        from ..models.event_request import EventRequest  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        type_ = d.pop("type")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        data = EventData.from_dict(d.pop("data"))

        request = EventRequest.from_dict(d.pop("request"))

        event = cls(
            id=id,
            type_=type_,
            created_at=created_at,
            data=data,
            request=request,
        )

        event.additional_properties = d
        return event

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
