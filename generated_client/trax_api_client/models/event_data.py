from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_data_object import EventDataObject
    from ..models.event_data_previous import EventDataPrevious


T = TypeVar("T", bound="EventData")


@_attrs_define
class EventData:
    """The resource and what changed. Its exact shape depends on `type` (see `EventType`
    for the schema of each type).

        Attributes:
            object_ (EventDataObject): The resource as the API returns it at the moment of the change (write-only fields
                such as stream keys and signing secrets are never included).
                 Example: {'studioId': 'studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5', 'state': 'live'}.
            previous (EventDataPrevious | Unset): The changed fields' values before the change; absent where it does not
                apply. Example: {'state': 'starting'}.
    """

    object_: EventDataObject
    previous: EventDataPrevious | Unset = UNSET
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
        from ..models.event_data_object import EventDataObject  # noqa: PLC0415
        from ..models.event_data_previous import EventDataPrevious  # noqa: PLC0415

        d = dict(src_dict)
        object_ = EventDataObject.from_dict(d.pop("object"))

        _previous = d.pop("previous", UNSET)
        previous: EventDataPrevious | Unset
        if isinstance(_previous, Unset):
            previous = UNSET
        else:
            previous = EventDataPrevious.from_dict(_previous)

        event_data = cls(
            object_=object_,
            previous=previous,
        )

        event_data.additional_properties = d
        return event_data

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
