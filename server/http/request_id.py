"""X-Request-Id on every response. The outermost middleware: it also stamps responses made by
the server-error fallback. A sane client-sent id is echoed; otherwise `req_` + 32 hex.

It also marks every API and upload response `Cache-Control: no-store`, as Stripe does: they
answer one caller's key and may carry upload URLs, ingest stream paths or a secret shown once,
none of which a shared cache or a browser's disk should keep."""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.request_context import current_request_id

REQUEST_ID_HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode()
REPLAYED_KEY = "idempotent-replayed"  # server/domain/idempotency.py REPLAYED_HEADER
PRIVATE_PATH_PREFIXES = ("/v1/", "/uploads/")


def choose_request_id(sent: str | None) -> str:
    if sent and _SANE.match(sent):
        return sent
    return "req_" + secrets.token_hex(16)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((v for k, v in scope["headers"] if k == _HEADER_KEY), None)
        request_id = choose_request_id(sent.decode("latin-1") if sent is not None else None)
        # Rewritten in the request too, so every later layer reads the id we answer with.
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != _HEADER_KEY] + [
            (_HEADER_KEY, request_id.encode())
        ]
        current_request_id.set(request_id)
        private = scope["path"].startswith(PRIVATE_PATH_PREFIXES)

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A replayed Idempotency-Key response is the original one, byte for byte: it
                # keeps the original request's id, which its error body quotes too.
                if REPLAYED_KEY not in headers or REQUEST_ID_HEADER not in headers:
                    headers[REQUEST_ID_HEADER] = request_id
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_request_id)
