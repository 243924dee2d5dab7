from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.presigned_upload_headers import PresignedUploadHeaders


T = TypeVar("T", bound="PresignedUpload")


@_attrs_define
class PresignedUpload:
    """How to upload the file: one request with `method` to `url`, the file's bytes as the
    body, exactly the `headers` given. No API key is needed; the URL is the credential, so
    keep it private.

        Attributes:
            url (str): The absolute URL to send the bytes to. Opaque; use it unchanged. Example: http://127.0.0.1:8000/uploa
                ds/media_01JDQ3B4C5D6E7F8G9H0J1K2M3?expires=1795719845&signature=3q2-7w1vXxk9yF0aPZb8nQ4cL6mT2rS5uV8wY1zA4bC.
            method (str): The HTTP method to use (`PUT`). Extensible. Example: PUT.
            headers (PresignedUploadHeaders): Headers the upload request must carry with exactly these values
                (`Content-Type` and `Content-Length` are bound to the signature).
                 Example: {'Content-Type': 'video/mp4', 'Content-Length': '10485760'}.
            expires_at (datetime.datetime): The URL stops working at this time. Example: 2026-11-20T19:04:05.000Z.
    """

    url: str
    method: str
    headers: PresignedUploadHeaders
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        method = self.method

        headers = self.headers.to_dict()

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "method": method,
                "headers": headers,
                "expiresAt": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.presigned_upload_headers import PresignedUploadHeaders  # noqa: PLC0415

        d = dict(src_dict)
        url = d.pop("url")

        method = d.pop("method")

        headers = PresignedUploadHeaders.from_dict(d.pop("headers"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expiresAt"))

        presigned_upload = cls(
            url=url,
            method=method,
            headers=headers,
            expires_at=expires_at,
        )

        presigned_upload.additional_properties = d
        return presigned_upload

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
