from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ErrorDetail")


@_attrs_define
class ErrorDetail:
    """The error of an error response: a stable code, a message for people and the request id.

    Attributes:
        code (str): Stable, machine-readable error code. Extensible: new codes may be added within /v1,
            so treat an unknown code like its HTTP status. Known codes: `invalid_request`,
            `invalid_key`, `insufficient_scope`, `not_found`, `method_not_allowed`,
            `payload_too_large`, `unsupported_media_type`, `rate_limited`, `write_disabled`,
            `internal_error`, `service_unavailable`, `request_timeout`, `no_enabled_destination`,
            `destination_missing_stream_key`, `stream_busy`, `limit_reached`,
            `webhook_disabled`, `precondition_failed`, `idempotency_key_reused`,
            `idempotency_in_progress`; and, from the upload URLs of the embedded media store,
            `upload_url_invalid`, `upload_url_expired`, `upload_not_pending`,
            `upload_in_progress`.
             Example: not_found.
        message (str): Human-readable explanation. May change; do not parse it. Example: No such studio..
        request_id (str): Equal to the response's `X-Request-Id` header. Example: req_5f0c6a1e9b2d4c7f8a3e1d0b9c8a7f6e.
        required_scope (str | Unset): On `insufficient_scope` only, the scope the operation needs. Example:
            studios:write.
    """

    code: str
    message: str
    request_id: str
    required_scope: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        request_id = self.request_id

        required_scope = self.required_scope

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "requestId": request_id,
            }
        )
        if required_scope is not UNSET:
            field_dict["requiredScope"] = required_scope

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        request_id = d.pop("requestId")

        required_scope = d.pop("requiredScope", UNSET)

        error_detail = cls(
            code=code,
            message=message,
            request_id=request_id,
            required_scope=required_scope,
        )

        error_detail.additional_properties = d
        return error_detail

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
