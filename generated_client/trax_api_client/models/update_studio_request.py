from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateStudioRequest")


@_attrs_define
class UpdateStudioRequest:
    """The fields to change on a studio; absent fields keep their value.

    Attributes:
        name (str | Unset): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        auto_go_live (bool | Unset): Go live by itself when a source connects. Example: True.
    """

    name: str | Unset = UNSET
    auto_go_live: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        auto_go_live = self.auto_go_live

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if auto_go_live is not UNSET:
            field_dict["autoGoLive"] = auto_go_live

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        auto_go_live = d.pop("autoGoLive", UNSET)

        update_studio_request = cls(
            name=name,
            auto_go_live=auto_go_live,
        )

        return update_studio_request
