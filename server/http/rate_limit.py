"""Rate-limit headers (draft-ietf-httpapi-ratelimit-headers-10, the `RateLimit-Policy` and
`RateLimit` structured fields) on every response to an authenticated request, errors included.

AccessMiddleware takes the token once it knows the key and records the decision in a holder
that this middleware put into the scope; this middleware sits just inside RequestIdMiddleware,
outside every error handler, so the headers reach every response that follows, whatever layer
makes it (a 403, a 429, a handler's 404, an unexpected 500)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.token_bucket import BucketPolicy, Decision

RATE_LIMIT_EXTENSION = "trax.rate_limit"
POLICY_NAME = "per-key"


@dataclass
class RateLimitState:
    """Filled in by AccessMiddleware once the request's key is known."""

    policy: BucketPolicy | None = None
    decision: Decision | None = None


def policy_field(policy: BucketPolicy) -> str:
    """`q`: the burst (bucket capacity); `w`: seconds an empty bucket takes to fill up, so
    q / w is the sustained rate."""
    return f'"{POLICY_NAME}";q={policy.capacity};w={policy.window_seconds}'


def state_field(decision: Decision) -> str:
    """`r`: tokens left now; `t`: seconds until the bucket is full again."""
    return f'"{POLICY_NAME}";r={decision.remaining};t={decision.reset_seconds}'


def rate_limit_state(scope: Scope) -> RateLimitState | None:
    state: RateLimitState | None = scope.get("extensions", {}).get(RATE_LIMIT_EXTENSION)
    return state


class RateLimitHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = RateLimitState()
        scope.setdefault("extensions", {})[RATE_LIMIT_EXTENSION] = state

        async def send_with_rate_limit(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and state.policy is not None
                and state.decision is not None
            ):
                headers = MutableHeaders(scope=message)
                headers["RateLimit-Policy"] = policy_field(state.policy)
                headers["RateLimit"] = state_field(state.decision)
            await send(message)

        await self.app(scope, receive, send_with_rate_limit)
