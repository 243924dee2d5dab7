from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateStudioRequest")


@_attrs_define
class CreateStudioRequest:
    """The fields of a new studio.

    Attributes:
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        auto_go_live (bool | Unset): Go live by itself when a source connects. Defaults to `false`. Default: False.
            Example: False.
    """

    name: str
    auto_go_live: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        auto_go_live = self.auto_go_live

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if auto_go_live is not UNSET:
            field_dict["autoGoLive"] = auto_go_live

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        auto_go_live = d.pop("autoGoLive", UNSET)

        create_studio_request = cls(
            name=name,
            auto_go_live=auto_go_live,
        )

        return create_studio_request
