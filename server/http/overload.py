"""At most `limit` requests in flight per process; beyond it, `503 service_unavailable` with
Retry-After in the error envelope, at once. uvicorn's own `--limit-concurrency` answers a plain
text 503 from outside the app, so `trax serve` sets uvicorn's above this one (a backstop for
idle connections only)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from server.domain.errors import ServiceUnavailable


class ServerBusy(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "The server is handling as many requests as it can; retry in a moment.",
            headers={"Retry-After": "1"},
        )


class ConcurrencyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0  # one event loop per process: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            raise ServerBusy()
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
