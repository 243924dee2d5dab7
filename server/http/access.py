"""Access policy, in the order the contract promises: 401 (key), 403 (scope), 503 (write flag),
then the body checks that connexion's validation does not make safely (415 for a body without a
content type, 400 for a body that is not UTF-8 JSON). Schema validation (400) runs after this.

It replaces connexion's SecurityMiddleware: that one never passes required scopes to a bearer
check, and its errors are not ours. The schemes stay declared in the spec for clients; which
operations are public and which scope each needs is read from the spec (OperationIndex)."""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from server.domain.errors import (
    InsufficientScope,
    InvalidRequest,
    NotFound,
    UnsupportedMediaType,
    WriteDisabled,
)
from server.http.body_limit import BODY_EXTENSION
from server.http.spec import OperationIndex, OperationPolicy, has_control_character
from server.services.api_keys import ApiKeyService

PRINCIPAL_ARGUMENT = "principal"
# No text we store can hold U+0000 (PostgreSQL refuses it), so it is refused at the door.
NUL_MESSAGE = "Strings must not contain the NUL character (U+0000)."


def presented_secret(headers: dict[bytes, bytes]) -> str | None:
    """`Authorization: Bearer <key>`, else `X-API-Key: <key>`."""
    authorization = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    api_key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    return api_key or None


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class AccessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: OperationIndex,
        api_keys: ApiKeyService,
        write_enabled: bool,
    ):
        self.app = app
        self.operations = operations
        self.api_keys = api_keys
        self.write_enabled = write_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extensions = scope.get("extensions", {})
        operation_id = extensions.get("connexion_routing", {}).get("operation_id")
        policy = self.operations.by_id.get(operation_id) if operation_id else None
        if policy is None:
            # Never hand an unrouted request on: Flask would still match some of them (a path
            # with a control character slips past connexion's router) without any of the checks.
            raise self.operations.unrouted_error(scope["method"], scope["path"])
        if has_control_character(scope["path"]):
            raise NotFound("No such resource.")
        headers = dict(scope["headers"])
        if not policy.public:
            secret = presented_secret(headers)
            # A cached key is answered on the event loop; only a miss pays the thread hop.
            principal = self.api_keys.authenticate_cached(secret)
            if principal is None:
                principal = await anyio.to_thread.run_sync(self.api_keys.authenticate, secret)
            if policy.required_scope not in principal.scopes:
                raise InsufficientScope(policy.required_scope)
            context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
            context[PRINCIPAL_ARGUMENT] = principal
        if policy.mutating and not self.write_enabled:
            raise WriteDisabled()
        if b"%00" in scope["query_string"]:
            raise InvalidRequest(NUL_MESSAGE)
        self._check_body(policy, headers, extensions.get(BODY_EXTENSION, b""))
        await self.app(scope, receive, send)

    @staticmethod
    def _check_body(policy: OperationPolicy, headers: dict[bytes, bytes], body: bytes) -> None:
        if not body or not policy.has_body:
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if not content_type:
            raise UnsupportedMediaType(
                "The request has a body but no Content-Type; send application/json."
            )
        if _is_json(content_type):
            try:
                document = json.loads(body.decode("utf-8"))
            except ValueError as exc:
                raise InvalidRequest("The request body is not valid UTF-8 JSON.") from exc
            if _contains_nul(document):
                raise InvalidRequest(NUL_MESSAGE)
