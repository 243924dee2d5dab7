from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChatDelivery")


@_attrs_define
class ChatDelivery:
    """The delivery of an outbound chat message to one platform.

    Attributes:
        platform (str): The platform this delivery posts to. Example: twitch.
        connection_id (None | str): The linked account the message was posted as; `null` once unlinked. Example:
            conn_01JDQ3D1E2F3G4H5J6K7M8N9P0.
        status (str): `sent`, `accepted` (queued, retried until sent) or `failed`. Extensible. Example: sent.
        reason (None | str): Why a delivery failed (for example `text_too_long`); otherwise `null`.
    """

    platform: str
    connection_id: None | str
    status: str
    reason: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        platform = self.platform

        connection_id: None | str
        connection_id = self.connection_id

        status = self.status

        reason: None | str
        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "platform": platform,
                "connectionId": connection_id,
                "status": status,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        platform = d.pop("platform")

        def _parse_connection_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        connection_id = _parse_connection_id(d.pop("connectionId"))

        status = d.pop("status")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        chat_delivery = cls(
            platform=platform,
            connection_id=connection_id,
            status=status,
            reason=reason,
        )

        chat_delivery.additional_properties = d
        return chat_delivery

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
