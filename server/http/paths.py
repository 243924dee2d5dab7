"""Paths are matched exactly. Starlette's routers (inside connexion) answer a path with a
trailing slash with a 307 whose `Location` is built from the client's `Host` header, which turns
the API into an open redirect for a forged Host; here such a path answers 404 in the envelope
instead. Swagger UI's own pages (`/v1/ui/…`) keep their slashes."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from server.domain.errors import NotFound
from server.http.spec import NO_SUCH_ROUTE


class ExactPathMiddleware:
    def __init__(self, app: ASGIApp, *, exempt_prefix: str) -> None:
        self.app = app
        self.exempt_prefix = exempt_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and len(path) > 1
            and path.endswith("/")
            and not path.startswith(self.exempt_prefix)
        ):
            raise NotFound(NO_SUCH_ROUTE)
        await self.app(scope, receive, send)
