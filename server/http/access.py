"""The access policy, in the order the contract promises: 401 (key), 429 (the key's token
bucket), 403 (scope), 503 (write flag). What follows it in the stack: the body guard
(server/http/body_guard.py: 400/413/408/415), the retry of a read whose database connection
was lost (server/http/read_retry.py), then connexion's schema validation (400).

The rate limit comes right after the key because the bucket belongs to the key: every request
a valid key makes costs a token, whether it is then refused for its scope, the write flag or
its input, so a client cannot probe without limit. Requests without a valid key cost nothing
and carry no rate-limit headers (there is no bucket to report). The body is read only once all
of these passed: nothing is read for a request that would be refused anyway.

It replaces connexion's SecurityMiddleware: that one never passes required scopes to a bearer
check, and its errors are not ours. The schemes stay declared in the spec for clients; which
operations are public and which scope each needs is read from the spec (OperationIndex)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Receive, Scope, Send

from server.adapters.rate_limiter import LocalRateLimiter, RateLimiter
from server.domain.errors import InsufficientScope, NotFound, RateLimited, WriteDisabled
from server.domain.principal import Principal
from server.domain.token_bucket import Decision
from server.http.connexion_compat import handler_context, routed_operation_id
from server.http.execution import WorkerThread
from server.http.origin import ORIGIN_ARGUMENT, request_origin
from server.http.rate_limit import rate_limit_state
from server.http.single_flight import SingleFlight
from server.http.spec import OperationIndex, OperationPolicy, has_control_character
from server.observability.telemetry import note_caller
from server.services.credentials import CredentialService

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


def routed_policy(operations: OperationIndex, scope: Scope) -> OperationPolicy:
    """The contract's policy for the operation connexion routed to. Never hands an unrouted
    request on: Flask would still match some of them (a path with a control character slips
    past connexion's router) without any of the checks."""
    operation_id = routed_operation_id(scope)
    policy = operations.by_id.get(operation_id) if operation_id else None
    if policy is None:
        raise operations.unrouted_error(scope["method"], scope["path"])
    if has_control_character(scope["path"]):
        raise NotFound("No such resource.")
    return policy


class AccessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: OperationIndex,
        api_keys: CredentialService,
        rate_limiter: RateLimiter,
        write_enabled: bool,
        worker: WorkerThread | None = None,
    ) -> None:
        self.app = app
        self.operations = operations
        self.api_keys = api_keys
        self.rate_limiter = rate_limiter
        self.write_enabled = write_enabled
        self.worker = worker or WorkerThread()
        self._lookups: SingleFlight[Principal] = SingleFlight()
        # The in-process bucket is a dict and a lock: taken inline. Redis answers over the
        # network: awaited on the event loop while the app's lifespan runs (redis.asyncio),
        # else in the thread pool (one hop; never on the worker thread, where every request's
        # take would queue behind the writes).
        self._inline_limiter = isinstance(rate_limiter, LocalRateLimiter)

    def _authenticate(self, secret: str | None) -> Principal:
        """The one entry point for every kind of credential (ApiKeyService.authenticate).
        Runs on the worker thread: it may wait on the database."""
        try:
            return self.api_keys.authenticate(secret)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            logger.warning("database connection lost while authenticating; retrying once")
            return self.api_keys.authenticate(secret)

    async def _principal(self, secret: str | None) -> Principal:
        """The key (401): from the auth cache inline, else one lookup per secret hash on the
        worker thread, shared by every request of that secret that arrives meanwhile."""
        secret_hash, cached = self.api_keys.cached(secret)
        if cached is not None:
            return cached
        return await self._lookups.run(
            secret_hash, lambda: self.worker.run(self._authenticate, secret)
        )

    async def _take(self, principal: Principal) -> Decision:
        if self._inline_limiter:
            return self.rate_limiter.take(principal.key_id)
        return await self.rate_limiter.take_async(principal.key_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = routed_policy(self.operations, scope)
        if not policy.public:
            await self._authorize(scope, policy)
        if policy.mutating and not self.write_enabled:
            raise WriteDisabled()
        await self.app(scope, receive, send)

    async def _authorize(self, scope: Scope, policy: OperationPolicy) -> None:
        principal = await self._principal(presented_secret(dict(scope["headers"])))
        decision = await self._take(principal)
        note_caller(principal)
        state = rate_limit_state(scope)
        if state is not None:
            state.policy, state.decision = self.rate_limiter.policy, decision
        if not decision.allowed:
            raise RateLimited(decision.retry_after_seconds)
        required = policy.required_scope  # never None here: OperationIndex refuses that
        if required is None or required not in principal.scopes:
            raise InsufficientScope(required or "none")
        context = handler_context(scope)
        context[PRINCIPAL_ARGUMENT] = principal
        # Handlers that build URLs back to this server take an `origin` argument.
        context[ORIGIN_ARGUMENT] = request_origin(scope)
