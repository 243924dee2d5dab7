"""Idempotency-Key on POST (server/services/idempotency.py has the protocol and why it cannot
duplicate an effect). Placed after the access policy, the body guard and connexion's schema
validation: a request refused for its key, rate, scope, write flag, body or parameters never
reaches here, so it is never stored, and a schema-invalid repeat is refused rather than
answered with a replay. A 400 the service raises itself releases the key.

A repeat of a completed request gets the stored status, Location/ETag headers and body byte
for byte, with `Idempotent-Replayed: true` and the original request's X-Request-Id (which an
error body quotes as its `requestId`)."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.errors import ApiError, IdempotencyInProgress
from server.domain.idempotency import (
    REPLAYED_HEADER,
    current_idempotency,
    fingerprint,
    parse_idempotency_key,
)
from server.domain.principal import Principal
from server.http.access import PRINCIPAL_ARGUMENT
from server.http.body_limit import BODY_EXTENSION
from server.http.connexion_compat import handler_context
from server.http.errors import error_body
from server.http.execution import WorkerThread
from server.http.request_id import REQUEST_ID_HEADER
from server.services.idempotency import IdempotencyService, StoredResponse

_HEADER = b"idempotency-key"


class IdempotencyMiddleware:
    def __init__(
        self, app: ASGIApp, *, idempotency: IdempotencyService, worker: WorkerThread
    ) -> None:
        self.app = app
        self.idempotency = idempotency
        # The record's writes go where every other write goes: the one worker thread.
        self.worker = worker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        principal = handler_context(scope).get(PRINCIPAL_ARGUMENT)
        if _HEADER not in headers or not isinstance(principal, Principal):
            await self.app(scope, receive, send)
            return
        key = parse_idempotency_key(headers[_HEADER].decode("latin-1"))
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        body = scope.get("extensions", {}).get(BODY_EXTENSION, b"")
        begun = await self.worker.run(
            self.idempotency.begin,
            principal.key_id,
            "POST",
            scope["path"],
            key,
            fingerprint(content_type, body),
        )
        if isinstance(begun, StoredResponse):
            await _replay(begun, send)
            return
        binding = begun
        request_id = headers.get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        captured: dict[str, object] = {"status": None, "headers": [], "body": []}

        async def capturing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                chunks = captured["body"]
                assert isinstance(chunks, list)
                chunks.append(message.get("body", b""))
            await send(message)

        token = current_idempotency.set(binding)
        try:
            await self.app(scope, receive, capturing_send)
        except ApiError as exc:
            current_idempotency.reset(token)
            if isinstance(exc, IdempotencyInProgress):
                raise  # the reservation was taken over; it is no longer this request's
            # The outer exception middleware renders it; store the same envelope it sends.
            response = StoredResponse(
                exc.status,
                [
                    *exc.headers.items(),
                    ("content-type", "application/json"),
                    (REQUEST_ID_HEADER, request_id),
                ],
                error_body(exc, request_id),
            )
            await self.worker.run(self.idempotency.finish, binding, response)
            raise
        except BaseException:
            current_idempotency.reset(token)
            if not binding.applied:
                with anyio.CancelScope(shield=True):
                    await self.worker.run(self.idempotency.release, binding)
            raise
        current_idempotency.reset(token)
        status = captured["status"]
        if isinstance(status, int):
            chunks = captured["body"]
            response_headers = captured["headers"]
            assert isinstance(chunks, list) and isinstance(response_headers, list)
            response = StoredResponse(
                status,
                [*response_headers, (REQUEST_ID_HEADER, request_id)],
                b"".join(chunks),
            )
            await self.worker.run(self.idempotency.finish, binding, response)
        elif not binding.applied:
            await self.worker.run(self.idempotency.release, binding)


async def _replay(response: StoredResponse, send: Send) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
