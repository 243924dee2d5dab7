from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.media_content_type import MediaContentType

T = TypeVar("T", bound="CreateMediaRequest")


@_attrs_define
class CreateMediaRequest:
    """The file to add to the media library; the response holds where to upload it.

    Attributes:
        filename (str): The file's name, for display: 1–255 characters, not only white space, no control
            characters and no path separators (`/`, `\\`). It is never used as a storage path.
             Example: intro.mp4.
        content_type (MediaContentType): The file's media type. Accepted types: video (`video/mp4`, `video/quicktime`,
            `video/webm`, `video/x-matroska`), audio (`audio/mpeg`, `audio/mp4`, `audio/aac`,
            `audio/wav`, `audio/ogg`, `audio/flac`, `audio/webm`) and images (`image/png`,
            `image/jpeg`, `image/gif`, `image/webp`). More may be accepted later.
             Example: video/mp4.
        size (int): The file's size in bytes. At most 5 GiB (5368709120), or this deployment's configured
            maximum if lower.
             Example: 10485760.
    """

    filename: str
    content_type: MediaContentType
    size: int

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        content_type = self.content_type.value

        size = self.size

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filename": filename,
                "contentType": content_type,
                "size": size,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        filename = d.pop("filename")

        content_type = MediaContentType(d.pop("contentType"))

        size = d.pop("size")

        create_media_request = cls(
            filename=filename,
            content_type=content_type,
            size=size,
        )

        return create_media_request
