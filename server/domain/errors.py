"""Errors the API reports. Each maps to one HTTP status and one stable `code` of the envelope."""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **extra: str):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra


class InvalidRequest(ApiError):
    status, code = 400, "invalid_request"


class InvalidKey(ApiError):
    status, code = 401, "invalid_key"

    def __init__(self, message: str = "The API key is missing, unknown, revoked or expired."):
        super().__init__(message)


class InsufficientScope(ApiError):
    status, code = 403, "insufficient_scope"

    def __init__(self, required_scope: str):
        super().__init__(
            f"This key lacks the '{required_scope}' scope.", requiredScope=required_scope
        )


class NotFound(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"


class UploadNotPending(ApiError):
    status, code = 409, "upload_not_pending"


class UploadUrlInvalid(ApiError):
    """An upload URL of the embedded media store that this server did not sign as presented."""

    status, code = 403, "upload_url_invalid"

    def __init__(self):
        super().__init__(
            "The upload URL is invalid: it was altered or was not issued by this server. "
            "Use the URL create_media returned, unchanged."
        )


class UploadUrlExpired(ApiError):
    status, code = 403, "upload_url_expired"

    def __init__(self):
        super().__init__("The upload URL has expired; start a new upload with create_media.")


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class WriteDisabled(ApiError):
    status, code = 503, "write_disabled"

    def __init__(self):
        super().__init__(
            "Write operations are disabled on this deployment (PUBLIC_API_WRITE_ENABLED is off)."
        )


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


class InternalError(ApiError):
    status, code = 500, "internal_error"

    def __init__(self):
        super().__init__("Something went wrong on our side. Quote the request id to support.")


class Conflict(ApiError):
    """409: the request conflicts with the resource's state; `code` says how."""

    status = 409

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after_seconds: int):
        super().__init__(
            f"Too many requests for this key; retry after {retry_after_seconds} seconds.",
            headers={"Retry-After": str(retry_after_seconds)},
        )


class RequestTimeout(ApiError):
    status, code = 408, "request_timeout"


class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached or the connection was lost: nothing was changed
    unless the request was answered with success."""

    def __init__(self):
        super().__init__(
            "The service is temporarily unavailable; retry in a moment.",
            headers={"Retry-After": "1"},
        )
