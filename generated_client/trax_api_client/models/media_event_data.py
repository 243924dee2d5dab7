from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.media_asset import MediaAsset
    from ..models.media_event_data_previous import MediaEventDataPrevious


T = TypeVar("T", bound="MediaEventData")


@_attrs_define
class MediaEventData:
    """`data` of `media.ready`, `media.failed` and `media.expired`.

    Attributes:
        object_ (MediaAsset): A file of the media library (a video or an image a `media` source can play).
        previous (MediaEventDataPrevious): The status before the upload settled.
    """

    object_: MediaAsset
    previous: MediaEventDataPrevious
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_.to_dict()

        previous = self.previous.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "previous": previous,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.media_asset import MediaAsset  # noqa: PLC0415
        from ..models.media_event_data_previous import MediaEventDataPrevious  # noqa: PLC0415

        d = dict(src_dict)
        object_ = MediaAsset.from_dict(d.pop("object"))

        previous = MediaEventDataPrevious.from_dict(d.pop("previous"))

        media_event_data = cls(
            object_=object_,
            previous=previous,
        )

        media_event_data.additional_properties = d
        return media_event_data

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
