"""A read (GET) whose database connection is lost before it answered is run once more: Core's
handling of a disconnect invalidates the pool's older connections too (SQLAlchemy's pool-wide
invalidation), so the retry gets a new one. Anything else that finds the database
unreachable answers 503 service_unavailable (server/http/errors.py). Sits after the body guard,
which kept the body in the scope, so the retry gets the same body replayed."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.http.body_limit import BODY_EXTENSION, replaying

logger = logging.getLogger("trax.access")


class ReadRetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except DBAPIError as exc:
            if started or not exc.connection_invalidated:
                raise
            logger.warning("database connection lost during %s; retrying once", scope["path"])
            body = scope.get("extensions", {}).get(BODY_EXTENSION, b"")
            await self.app(scope, replaying(body, receive), send)
