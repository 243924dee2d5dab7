from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.chat_author import ChatAuthor
    from ..models.chat_delivery import ChatDelivery


T = TypeVar("T", bound="ChatMessage")


@_attrs_define
class ChatMessage:
    """A chat message of a studio: received from a platform, or sent through the API.

    Attributes:
        id (str): `msg_` followed by a ULID. Example: msg_01JDQ4A1B2C3D4E5F6G7H8J9K0.
        studio_id (str): The studio the message belongs to. Example: studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5.
        direction (str): `inbound` (from a platform) or `outbound` (sent through the API). Extensible. Example: inbound.
        platform (None | str): The platform an inbound message came from; `null` for outbound messages. Example: twitch.
        author (ChatAuthor): Who wrote a chat message.
        text (str): The message text. Example: Hello from Twitch!.
        created_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
        deliveries (list[ChatDelivery]): Where an outbound message went, one entry per platform account; empty for
            inbound.
    """

    id: str
    studio_id: str
    direction: str
    platform: None | str
    author: ChatAuthor
    text: str
    created_at: datetime.datetime
    deliveries: list[ChatDelivery]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        studio_id = self.studio_id

        direction = self.direction

        platform: None | str
        platform = self.platform

        author = self.author.to_dict()

        text = self.text

        created_at = self.created_at.isoformat()

        deliveries = []
        for deliveries_item_data in self.deliveries:
            deliveries_item = deliveries_item_data.to_dict()
            deliveries.append(deliveries_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "studioId": studio_id,
                "direction": direction,
                "platform": platform,
                "author": author,
                "text": text,
                "createdAt": created_at,
                "deliveries": deliveries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_author import ChatAuthor  # noqa: PLC0415
        from ..models.chat_delivery import ChatDelivery  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        studio_id = d.pop("studioId")

        direction = d.pop("direction")

        def _parse_platform(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        platform = _parse_platform(d.pop("platform"))

        author = ChatAuthor.from_dict(d.pop("author"))

        text = d.pop("text")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        deliveries = []
        _deliveries = d.pop("deliveries")
        for deliveries_item_data in _deliveries:
            deliveries_item = ChatDelivery.from_dict(deliveries_item_data)

            deliveries.append(deliveries_item)

        chat_message = cls(
            id=id,
            studio_id=studio_id,
            direction=direction,
            platform=platform,
            author=author,
            text=text,
            created_at=created_at,
            deliveries=deliveries,
        )

        chat_message.additional_properties = d
        return chat_message

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
