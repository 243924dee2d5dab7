from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateWebhookRequest")


@_attrs_define
class UpdateWebhookRequest:
    """The fields to change.

    Attributes:
        url (str | Unset): Where deliveries are POSTed: `https://`, resolving only to public addresses (plain
            `http://` only to networks the deployment allows).
             Example: https://hooks.example.com/trax.
        event_types (list[str] | None | Unset): The event types this endpoint receives; `null` for every type (new types
            included). Example: ['stream.live', 'stream.offline'].
        description (str | Unset): A note for people (what receives these events). Example: Production receiver.
        enabled (bool | Unset): Enable or disable deliveries. Example: True.
    """

    url: str | Unset = UNSET
    event_types: list[str] | None | Unset = UNSET
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        event_types: list[str] | None | Unset
        if isinstance(self.event_types, Unset):
            event_types = UNSET
        elif isinstance(self.event_types, list):
            event_types = self.event_types

        else:
            event_types = self.event_types

        description = self.description

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if event_types is not UNSET:
            field_dict["eventTypes"] = event_types
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url", UNSET)

        def _parse_event_types(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                componentsschemas_webhook_event_types_type_0 = cast(list[str], data)

                return componentsschemas_webhook_event_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        event_types = _parse_event_types(d.pop("eventTypes", UNSET))

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        update_webhook_request = cls(
            url=url,
            event_types=event_types,
            description=description,
            enabled=enabled,
        )

        return update_webhook_request
