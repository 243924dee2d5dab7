from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.source_kind import SourceKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateSourceRequest")


@_attrs_define
class CreateSourceRequest:
    """
    Attributes:
        kind (SourceKind): How the feed is published: `rtmp` (RTMP 1935 and RTMPS 1936), `srt` (8890) or `whip`
            (WebRTC-HTTP ingest, 8889). In responses `kind` is extensible (`x-extensible-enum`):
            new kinds may appear.
             Example: rtmp.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        enabled (bool | Unset): Defaults to `true`. Default: True. Example: True.
    """

    kind: SourceKind
    name: str
    enabled: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        name = self.name

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "name": name,
            }
        )
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = SourceKind(d.pop("kind"))

        name = d.pop("name")

        enabled = d.pop("enabled", UNSET)

        create_source_request = cls(
            kind=kind,
            name=name,
            enabled=enabled,
        )

        return create_source_request
