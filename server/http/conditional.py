"""Conditional requests on single resources (RFC 9110 §13): If-Match on PATCH, DELETE and the
studio's go-live/go-offline travels to the services (server/domain/conditional.py), which
check it against the row version in the unit of work that changes the row (412
precondition_failed, nothing changed); If-None-Match on a GET that would answer 200 with an
ETag it matches answers 304 Not Modified, without a body, with the ETag.

Without the headers nothing changes. Both are read only after the access policy and the
body guard, so refused requests are refused as before."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.conditional import EntityTags, current_if_match, parse_entity_tags

IF_MATCH_METHODS = frozenset({"PATCH", "DELETE", "POST"})
# Headers a 304 keeps (RFC 9110 §15.4.5); the outer layers add X-Request-Id, Cache-Control
# and the rate-limit headers.
NOT_MODIFIED_KEEPS = frozenset({"etag", "cache-control", "vary", "date"})


class ConditionalRequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        if method in IF_MATCH_METHODS and "if-match" in headers:
            token = current_if_match.set(parse_entity_tags(headers["if-match"]))
            try:
                await self.app(scope, receive, send)
            finally:
                current_if_match.reset(token)
            return
        if method == "GET" and "if-none-match" in headers:
            tags = parse_entity_tags(headers["if-none-match"])
            await self.app(scope, receive, _not_modified_when_matching(tags, send))
            return
        await self.app(scope, receive, send)


def _not_modified_when_matching(tags: EntityTags, send: Send) -> Send:
    state = {"not_modified": False}

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            current = MutableHeaders(scope=message).get("etag")
            if message["status"] == 200 and current is not None and tags.matches_weakly(current):
                state["not_modified"] = True
                kept = [
                    (k, v)
                    for k, v in message["headers"]
                    if k.decode("latin-1").lower() in NOT_MODIFIED_KEEPS
                ]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                return
        elif message["type"] == "http.response.body" and state["not_modified"]:
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})
            return
        await send(message)

    return sending
