"""Errors the API reports. Each maps to one HTTP status and one stable `code` of the envelope."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every `code` the envelope can carry: the spec's `ErrorDetail.code` enum, exactly
    (tests/unit/test_vocabulary.py)."""

    INVALID_REQUEST = "invalid_request"
    INVALID_KEY = "invalid_key"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    WRITE_DISABLED = "write_disabled"
    INTERNAL_ERROR = "internal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    REQUEST_TIMEOUT = "request_timeout"
    NO_ENABLED_DESTINATION = "no_enabled_destination"
    DESTINATION_MISSING_STREAM_KEY = "destination_missing_stream_key"
    STREAM_BUSY = "stream_busy"
    LIMIT_REACHED = "limit_reached"
    WEBHOOK_DISABLED = "webhook_disabled"
    UPLOAD_URL_INVALID = "upload_url_invalid"
    UPLOAD_URL_EXPIRED = "upload_url_expired"
    UPLOAD_NOT_PENDING = "upload_not_pending"
    UPLOAD_IN_PROGRESS = "upload_in_progress"
    PRECONDITION_FAILED = "precondition_failed"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"


class ApiError(Exception):
    status = 500
    code: ErrorCode = ErrorCode.INTERNAL_ERROR

    def __init__(
        self, message: str, *, headers: dict[str, str] | None = None, **extra: str
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra


class InvalidRequest(ApiError):
    status, code = 400, ErrorCode.INVALID_REQUEST


class InvalidKey(ApiError):
    status, code = 401, ErrorCode.INVALID_KEY

    def __init__(
        self, message: str = "The API key is missing, unknown, revoked or expired."
    ) -> None:
        super().__init__(message)


class InsufficientScope(ApiError):
    status, code = 403, ErrorCode.INSUFFICIENT_SCOPE

    def __init__(self, required_scope: str) -> None:
        super().__init__(
            f"This key lacks the '{required_scope}' scope.", requiredScope=required_scope
        )


class NotFound(ApiError):
    status, code = 404, ErrorCode.NOT_FOUND


class MethodNotAllowed(ApiError):
    status, code = 405, ErrorCode.METHOD_NOT_ALLOWED


class UploadNotPending(ApiError):
    status, code = 409, ErrorCode.UPLOAD_NOT_PENDING


class UploadUrlInvalid(ApiError):
    """An upload URL of the embedded media store that this server did not sign as presented."""

    status, code = 403, ErrorCode.UPLOAD_URL_INVALID

    def __init__(self) -> None:
        super().__init__(
            "The upload URL is invalid: it was altered or was not issued by this server. "
            "Use the URL create_media returned, unchanged."
        )


class UploadUrlExpired(ApiError):
    status, code = 403, ErrorCode.UPLOAD_URL_EXPIRED

    def __init__(self) -> None:
        super().__init__("The upload URL has expired; start a new upload with create_media.")


class PayloadTooLarge(ApiError):
    status, code = 413, ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedMediaType(ApiError):
    status, code = 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE


class WriteDisabled(ApiError):
    status, code = 503, ErrorCode.WRITE_DISABLED

    def __init__(self) -> None:
        super().__init__(
            "Write operations are disabled on this deployment (PUBLIC_API_WRITE_ENABLED is off)."
        )


class ServiceUnavailable(ApiError):
    status, code = 503, ErrorCode.SERVICE_UNAVAILABLE


class InternalError(ApiError):
    status, code = 500, ErrorCode.INTERNAL_ERROR

    def __init__(self) -> None:
        super().__init__("Something went wrong on our side. Quote the request id to support.")


class Conflict(ApiError):
    """409: the request conflicts with the resource's state; `code` says how."""

    status = 409

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(ApiError):
    status, code = 429, ErrorCode.RATE_LIMITED

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many requests for this key; retry after {retry_after_seconds} seconds.",
            headers={"Retry-After": str(retry_after_seconds)},
        )


class RequestTimeout(ApiError):
    status, code = 408, ErrorCode.REQUEST_TIMEOUT


class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached or the connection was lost: nothing was changed
    unless the request was answered with success."""

    def __init__(self) -> None:
        super().__init__(
            "The service is temporarily unavailable; retry in a moment.",
            headers={"Retry-After": "1"},
        )


class PreconditionFailed(ApiError):
    """412: the resource's ETag no longer matches the request's If-Match; nothing changed."""

    status, code = 412, ErrorCode.PRECONDITION_FAILED

    def __init__(self) -> None:
        super().__init__(
            "The resource changed since you read it (If-Match does not match its ETag); "
            "nothing was changed. GET it again and retry with the new ETag."
        )


class IdempotencyKeyReused(ApiError):
    """422: the Idempotency-Key was used on this operation with a different body."""

    status, code = 422, ErrorCode.IDEMPOTENCY_KEY_REUSED

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request body on this "
            "operation; use a new key for a different request."
        )


class IdempotencyInProgress(ApiError):
    """409: a request with the same Idempotency-Key is still being processed."""

    status, code = 409, ErrorCode.IDEMPOTENCY_IN_PROGRESS

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still in progress; retry after "
            f"{retry_after_seconds} seconds to get its response.",
            headers={"Retry-After": str(retry_after_seconds)},
        )


class ConcurrentChange(Exception):
    """A versioned row changed between reading it and writing it (SQLAlchemy's StaleDataError
    in a unit of work). Not an API error: without If-Match the service retries the call
    (server/services/retry.py); with If-Match the unit of work answers 412 instead."""
