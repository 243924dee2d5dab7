"""The one error envelope. Every error the app can produce, whoever raises it (our services,
connexion's validation, Starlette or Flask routing, an unexpected exception), leaves through
`error_response`: `{"error": {"code", "message", "requestId", ...}}` with X-Request-Id."""

from __future__ import annotations

import json
import logging
from typing import Any

from connexion.exceptions import (
    BadRequestProblem,
    NonConformingResponse,
    ProblemException,
    UnsupportedMediaTypeProblem,
)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from server.domain.errors import (
    ApiError,
    DatabaseUnavailable,
    InternalError,
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from server.http.body_limit import BODY_EXTENSION
from server.http.connexion_compat import validation_error_path, validation_sentence
from server.http.request_id import REQUEST_ID_HEADER
from server.http.spec import OperationIndex
from server.storage.database import database_unavailable

logger = logging.getLogger("trax.errors")
# jsonschema messages that name keys but quote no value.
KEY_ONLY_MESSAGES = ("Additional properties are not allowed",)
SECRET_WITHHELD = (
    "The request body is invalid; details are withheld because they would repeat a "
    "write-only field (check streamKey: 8-256 printable ASCII characters, no spaces)."
)


def error_body(error: ApiError, request_id: str) -> bytes:
    detail = {"code": error.code, "message": error.message, "requestId": request_id}
    detail.update(error.extra)
    return json.dumps({"error": detail}, separators=(",", ":")).encode()


def error_response(error: ApiError, request_id: str) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        content_type="application/json",
        body=error_body(error, request_id),
        headers={**error.headers, REQUEST_ID_HEADER: request_id},
    )


class ErrorHandlers:
    def __init__(self, operations: OperationIndex) -> None:
        self._operations = operations

    def api_error(self, request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
        return self._respond(request, exc)

    def problem(self, request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
        if isinstance(exc, NonConformingResponse):
            logger.error(
                "response does not conform to the spec: %s",
                exc.detail,
                extra={"request_id": _request_id(request)},
            )
            return self._respond(request, InternalError())
        if isinstance(exc, UnsupportedMediaTypeProblem):
            return self._respond(
                request, UnsupportedMediaType("Send the request body as application/json.")
            )
        if isinstance(exc, BadRequestProblem) or exc.status == 400:
            message = validation_sentence(exc.detail)
            if self._may_echo_a_secret(request, exc.detail or ""):
                message = SECRET_WITHHELD
            return self._respond(request, InvalidRequest(message))
        return self._from_status(request, exc.status, exc.detail)

    def http_exception(self, request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        return self._from_status(request, exc.status_code, exc.detail)

    def database_error(self, request: ConnexionRequest, exc: SQLAlchemyError) -> ConnexionResponse:
        """The database is down or the connection was lost: 503, retry in a moment. Any other
        database error is a bug (500)."""
        if not database_unavailable(exc):
            return self.unexpected(request, exc)
        logger.warning(
            "database unavailable in %s %s [request_id=%s]: %s",
            request.method,
            request.url.path,
            _request_id(request),
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return self._respond(request, DatabaseUnavailable())

    def unexpected(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        logger.error(
            "unhandled error in %s %s [request_id=%s]",
            request.method,
            request.url.path,
            _request_id(request),
            exc_info=exc,
        )
        return self._respond(request, InternalError())

    def _from_status(
        self, request: ConnexionRequest, status: int, detail: object
    ) -> ConnexionResponse:
        error: ApiError
        if status in (404, 405):
            error = self._operations.unrouted_error(request.method, request.url.path)
        elif status == 413:
            error = PayloadTooLarge("The request body is too large.")
        elif status == 415:
            error = UnsupportedMediaType("Send the request body as application/json.")
        elif 400 <= status < 500:
            error = InvalidRequest(validation_sentence(str(detail) if detail else None))
        else:
            logger.error("HTTP %s: %s [request_id=%s]", status, detail, _request_id(request))
            error = InternalError()
        return self._respond(request, error)

    def _may_echo_a_secret(self, request: ConnexionRequest, detail: str) -> bool:
        """Whether a validation message may repeat a write-only value of the request body,
        judged by where the error is, not by its text (which escapes what it quotes): the
        message quotes the value at the error's path, so it is withheld when that path runs
        through a write-only field or the value there holds one."""
        secret_fields = self._operations.secret_fields
        body = request.scope.get("extensions", {}).get(BODY_EXTENSION)
        if not body or not secret_fields:
            return False
        try:
            document = json.loads(body)
        except ValueError:
            return True  # cannot tell where the secret is: say nothing about the body
        instance = document
        for step in validation_error_path(detail):
            if step in secret_fields:
                return True
            if isinstance(instance, dict):
                instance = instance.get(step)
            elif isinstance(instance, list) and step.isdigit() and int(step) < len(instance):
                instance = instance[int(step)]
            else:
                break
        if detail.startswith(KEY_ONLY_MESSAGES):
            return False
        return _holds_a_field(instance, secret_fields)

    def _respond(self, request: ConnexionRequest, error: ApiError) -> ConnexionResponse:
        return error_response(error, _request_id(request))


def _holds_a_field(node: Any, names: frozenset[str]) -> bool:
    pending = [node]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if any(key in names for key in node):
                return True
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


def _request_id(request: ConnexionRequest) -> str:
    return str(request.headers.get(REQUEST_ID_HEADER, ""))
