"""Access policy, in the order the contract promises: 401 (key), 429 (the key's token bucket),
403 (scope), 503 (write flag), then the body: 413 (size) / 408 (too slow), and the checks that
connexion's validation does not make safely (415 for a body without a content type, 400 for a
body that is not UTF-8 JSON, nested too deeply or holding strings no database can store:
server/http/json_input.py). Schema validation (400) runs after this.

The rate limit comes right after the key because the bucket belongs to the key: every request
a valid key makes costs a token, whether it is then refused for its scope, the write flag or
its input, so a client cannot probe without limit. Requests without a valid key cost nothing
and carry no rate-limit headers (there is no bucket to report). The body is read only once all
of these passed: nothing is read for a request that would be refused anyway.

A read (GET) whose database connection is lost before it answered is run once more (the
pool's pre-ping hands the retry a live connection); anything else that finds the database
unreachable answers 503 service_unavailable (server/http/errors.py).

It replaces connexion's SecurityMiddleware: that one never passes required scopes to a bearer
check, and its errors are not ours. The schemes stay declared in the spec for clients; which
operations are public and which scope each needs is read from the spec (OperationIndex)."""

from __future__ import annotations

import logging

import anyio.to_thread
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.errors import (
    InsufficientScope,
    InvalidRequest,
    NotFound,
    RateLimited,
    UnsupportedMediaType,
    WriteDisabled,
)
from server.domain.principal import Principal
from server.domain.token_bucket import Decision
from server.http.body_limit import BODY_EXTENSION, read_body, replaying
from server.http.json_input import NUL_MESSAGE, parse_json_body
from server.http.origin import ORIGIN_ARGUMENT, request_origin
from server.http.rate_limit import rate_limit_state
from server.http.spec import OperationIndex, OperationPolicy, has_control_character
from server.observability.telemetry import note_caller
from server.services.api_keys import ApiKeyService
from server.services.rate_limiter import RateLimiter

logger = logging.getLogger("trax.access")

PRINCIPAL_ARGUMENT = "principal"


def presented_secret(headers: dict[bytes, bytes]) -> str | None:
    """`Authorization: Bearer <key>`, else `X-API-Key: <key>`."""
    authorization = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    api_key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    return api_key or None


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
        rate_limiter: RateLimiter,
        write_enabled: bool,
        max_body_bytes: int,
        body_timeout: float,
    ):
        self.app = app
        self.operations = operations
        self.api_keys = api_keys
        self.rate_limiter = rate_limiter
        self.write_enabled = write_enabled
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    def _admit(self, secret: str | None) -> tuple[Principal, Decision]:
        """The key (401), then one token from its bucket. Runs in a worker thread: both may
        wait on the network (database, Redis)."""
        try:
            principal = self.api_keys.authenticate(secret)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            logger.warning("database connection lost while authenticating; retrying once")
            principal = self.api_keys.authenticate(secret)
        return principal, self.rate_limiter.take(principal.key_id)

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
            principal, decision = await anyio.to_thread.run_sync(
                self._admit, presented_secret(headers)
            )
            note_caller(principal)
            state = rate_limit_state(scope)
            if state is not None:
                state.policy, state.decision = self.rate_limiter.policy, decision
            if not decision.allowed:
                raise RateLimited(decision.retry_after_seconds)
            if policy.required_scope not in principal.scopes:
                raise InsufficientScope(policy.required_scope)
            context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
            context[PRINCIPAL_ARGUMENT] = principal
            # Handlers that build URLs back to this server take an `origin` argument.
            context[ORIGIN_ARGUMENT] = request_origin(scope)
        if policy.mutating and not self.write_enabled:
            raise WriteDisabled()
        if b"%00" in scope["query_string"]:
            raise InvalidRequest(NUL_MESSAGE)
        body = await read_body(
            scope, receive, max_bytes=self.max_body_bytes, timeout=self.body_timeout
        )
        scope.setdefault("extensions", {})[BODY_EXTENSION] = body
        self._check_body(policy, headers, body)
        await self._call(scope, body, receive, send, retry=policy.method == "get")

    async def _call(
        self, scope: Scope, body: bytes, receive: Receive, send: Send, *, retry: bool
    ) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, replaying(body, receive), tracking_send)
        except DBAPIError as exc:
            if started or not retry or not exc.connection_invalidated:
                raise
            logger.warning("database connection lost during %s; retrying once", scope["path"])
            await self.app(scope, replaying(body, receive), send)

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
            parse_json_body(body)
