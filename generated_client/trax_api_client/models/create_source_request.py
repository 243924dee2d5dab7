from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.source_kind import SourceKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateSourceRequest")


@_attrs_define
class CreateSourceRequest:
    """The fields of a new source.

    Attributes:
        kind (SourceKind): How the feed is published: `rtmp` (RTMP 1935 and RTMPS 1936), `srt` (8890) or `whip`
            (WebRTC-HTTP ingest, 8889); or `media`, a file of the media library played into the
            studio (`mediaId`). In responses `kind` is extensible (`x-extensible-enum`): new kinds
            may appear.
             Example: rtmp.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        media_id (str | Unset): For `kind: media` (and only then): an asset of your media library that is `ready` or
            still `pending_upload`.
             Example: media_01JDQ3B4C5D6E7F8G9H0J1K2M3.
        enabled (bool | Unset): Defaults to `true`. Default: True. Example: True.
    """

    kind: SourceKind
    name: str
    media_id: str | Unset = UNSET
    enabled: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        name = self.name

        media_id = self.media_id

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "name": name,
            }
        )
        if media_id is not UNSET:
            field_dict["mediaId"] = media_id
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = SourceKind(d.pop("kind"))

        name = d.pop("name")

        media_id = d.pop("mediaId", UNSET)

        enabled = d.pop("enabled", UNSET)

        create_source_request = cls(
            kind=kind,
            name=name,
            media_id=media_id,
            enabled=enabled,
        )

        return create_source_request
