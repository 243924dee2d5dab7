from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MediaAsset")


@_attrs_define
class MediaAsset:
    """A file of the media library (a video or an image a `media` source can play).

    Attributes:
        id (str): `media_` followed by a ULID; sorts in creation order. Example: media_01JDQ3B4C5D6E7F8G9H0J1K2M3.
        filename (str): The file's name, for display: 1–255 characters, not only white space, no control
            characters and no path separators (`/`, `\\`). It is never used as a storage path.
             Example: intro.mp4.
        content_type (str): The declared media type, one of those `create_media` accepts (a plain string here,
            so types accepted later do not break clients).
             Example: video/mp4.
        size (int): The declared size in bytes; a `ready` asset's stored size equals it. Example: 10485760.
        status (str): Where the asset is in its life:
            - `pending_upload`: registered, waiting for its upload (or for it to be checked);
            - `ready`: uploaded and checked (size and type match); usable;
            - `failed`: an upload arrived but did not match the declared size or type
              (`failureReason` says which);
            - `expired`: no upload completed before `uploadExpiresAt`.

            `ready`, `failed` and `expired` are final. Extensible: new statuses may be added within
            /v1; treat an unknown one as "not usable".
             Example: ready.
        failure_reason (None | str): Why a `failed` asset failed; `null` otherwise. Extensible. Known values:
            `size_mismatch` (the stored size differs from `size`), `content_type_mismatch`
            (the stored type differs from `contentType`).
        upload_expires_at (datetime.datetime): The upload must complete before this time, or the asset becomes
            `expired`. Example: 2026-11-20T19:04:05.000Z.
        ready_at (datetime.datetime | None): When the upload was checked and the asset became `ready`; `null` before.
            Example: 2026-11-20T18:06:40.500Z.
        created_at (datetime.datetime): When the asset was created. Example: 2026-11-20T18:04:05.123Z.
        updated_at (datetime.datetime): When the asset last changed (its status). Example: 2026-11-20T18:06:40.500Z.
    """

    id: str
    filename: str
    content_type: str
    size: int
    status: str
    failure_reason: None | str
    upload_expires_at: datetime.datetime
    ready_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        filename = self.filename

        content_type = self.content_type

        size = self.size

        status = self.status

        failure_reason: None | str
        failure_reason = self.failure_reason

        upload_expires_at = self.upload_expires_at.isoformat()

        ready_at: None | str
        if isinstance(self.ready_at, datetime.datetime):
            ready_at = self.ready_at.isoformat()
        else:
            ready_at = self.ready_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "filename": filename,
                "contentType": content_type,
                "size": size,
                "status": status,
                "failureReason": failure_reason,
                "uploadExpiresAt": upload_expires_at,
                "readyAt": ready_at,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        filename = d.pop("filename")

        content_type = d.pop("contentType")

        size = d.pop("size")

        status = d.pop("status")

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failureReason"))

        upload_expires_at = datetime.datetime.fromisoformat(d.pop("uploadExpiresAt"))

        def _parse_ready_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ready_at_type_0 = datetime.datetime.fromisoformat(data)

                return ready_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ready_at = _parse_ready_at(d.pop("readyAt"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        media_asset = cls(
            id=id,
            filename=filename,
            content_type=content_type,
            size=size,
            status=status,
            failure_reason=failure_reason,
            upload_expires_at=upload_expires_at,
            ready_at=ready_at,
            created_at=created_at,
            updated_at=updated_at,
        )

        media_asset.additional_properties = d
        return media_asset

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
