from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook import Webhook
    from ..models.webhook_event_data_previous import WebhookEventDataPrevious


T = TypeVar("T", bound="WebhookEventData")


@_attrs_define
class WebhookEventData:
    """`data` of `webhook.disabled` (with `previous`) and `webhook.test`.

    Attributes:
        object_ (Webhook): A webhook endpoint. The signing secret is write-only and never returned after creation.
        previous (WebhookEventDataPrevious | Unset): For `webhook.disabled`, the endpoint was enabled.
    """

    object_: Webhook
    previous: WebhookEventDataPrevious | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_.to_dict()

        previous: dict[str, Any] | Unset = UNSET
        if not isinstance(self.previous, Unset):
            previous = self.previous.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
            }
        )
        if previous is not UNSET:
            field_dict["previous"] = previous

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook import Webhook  # noqa: PLC0415
        from ..models.webhook_event_data_previous import WebhookEventDataPrevious  # noqa: PLC0415

        d = dict(src_dict)
        object_ = Webhook.from_dict(d.pop("object"))

        _previous = d.pop("previous", UNSET)
        previous: WebhookEventDataPrevious | Unset
        if isinstance(_previous, Unset):
            previous = UNSET
        else:
            previous = WebhookEventDataPrevious.from_dict(_previous)

        webhook_event_data = cls(
            object_=object_,
            previous=previous,
        )

        webhook_event_data.additional_properties = d
        return webhook_event_data

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
