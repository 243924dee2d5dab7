"""The checks of a routed request's input that connexion's validation does not make safely, run
after the access policy (server/http/access.py) and before schema validation: 400 for a NUL in
the query string, 413 for a body over the limit, 408 for one that arrives too slowly
(server/http/body_limit.py), 415 for a body without a content type or a JSON body declared in
another charset than UTF-8, 400 for a body that is not UTF-8 JSON, nested too deeply or holding
strings no database can store (server/http/json_input.py).

The body is read here once and kept in the scope (BODY_EXTENSION: the error envelope reads it
to judge what a validation message may repeat); what follows gets it replayed. A JSON body is
parsed here once too, and its document kept beside it (JSON_DOCUMENT_EXTENSION) for connexion's
validation and the handler's arguments."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from server.domain.errors import InvalidRequest, UnsupportedMediaType
from server.http.access import routed_policy
from server.http.body_limit import (
    BODY_EXTENSION,
    JSON_DOCUMENT_EXTENSION,
    read_body,
    replaying,
)
from server.http.json_input import NUL_MESSAGE, names_utf8, parse_json_body
from server.http.spec import OperationIndex, OperationPolicy


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _declared_charset(content_type: str) -> str | None:
    """The `charset` parameter of a Content-Type, unquoted; None without one."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None


class BodyGuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: OperationIndex,
        max_body_bytes: int,
        body_timeout: float,
    ) -> None:
        self.app = app
        self.operations = operations
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = routed_policy(self.operations, scope)
        if b"%00" in scope["query_string"]:
            raise InvalidRequest(NUL_MESSAGE)
        body = await read_body(
            scope, receive, max_bytes=self.max_body_bytes, timeout=self.body_timeout
        )
        extensions = scope.setdefault("extensions", {})
        extensions[BODY_EXTENSION] = body
        document = check_body(policy, dict(scope["headers"]), body)
        if document is not NOT_PARSED:
            extensions[JSON_DOCUMENT_EXTENSION] = document
        await self.app(scope, replaying(body, receive), send)


# What check_body answers for a body it did not parse (none, or not JSON).
NOT_PARSED: Any = object()


def check_body(policy: OperationPolicy, headers: dict[bytes, bytes], body: bytes) -> Any:
    """Refuses what the contract's validation cannot judge safely; the document of a JSON body,
    else NOT_PARSED."""
    if not body or not policy.has_body:
        return NOT_PARSED
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if not content_type:
        raise UnsupportedMediaType(
            "The request has a body but no Content-Type; send application/json."
        )
    if _is_json(content_type):
        charset = _declared_charset(content_type)
        if charset is not None and not names_utf8(charset):
            # JSON is UTF-8 (RFC 8259); a body declared otherwise would be read two ways.
            raise UnsupportedMediaType(
                f"JSON bodies are UTF-8: send application/json without a charset, or with "
                f"charset=utf-8, not charset={charset[:40]}."
            )
        return parse_json_body(body)
    return NOT_PARSED
