from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.media_asset import MediaAsset


T = TypeVar("T", bound="MediaAssetList")


@_attrs_define
class MediaAssetList:
    """One page of the account's media assets, oldest first.

    Attributes:
        data (list[MediaAsset]): The media assets of this page.
        next_cursor (str | Unset): Pass as `cursor` to get the next page. Absent on the last page. Example:
            djE6bWVkaWFfMDFKRFEzQjRDNUQ2RTdGOEc5SDBKMUsyTTM.
    """

    data: list[MediaAsset]
    next_cursor: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )
        if next_cursor is not UNSET:
            field_dict["nextCursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.media_asset import MediaAsset  # noqa: PLC0415

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = MediaAsset.from_dict(data_item_data)

            data.append(data_item)

        next_cursor = d.pop("nextCursor", UNSET)

        media_asset_list = cls(
            data=data,
            next_cursor=next_cursor,
        )

        media_asset_list.additional_properties = d
        return media_asset_list

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
