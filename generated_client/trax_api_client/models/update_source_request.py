from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateSourceRequest")


@_attrs_define
class UpdateSourceRequest:
    """The fields to change on a source; absent fields keep their value.

    Attributes:
        name (str | Unset): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        enabled (bool | Unset): Whether the source is mixed into the program. Example: False.
    """

    name: str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        enabled = d.pop("enabled", UNSET)

        update_source_request = cls(
            name=name,
            enabled=enabled,
        )

        return update_source_request
