"""Reads a request body under a size limit and a deadline: over the limit it is refused (413)
before it is read whole (at once when Content-Length says so); a body that does not arrive in
time is refused (408), so a slow client cannot hold a request open for ever. AccessMiddleware
calls it after the key, rate-limit, scope and write checks, so nothing is read for a request
that would be refused anyway."""

from __future__ import annotations

import anyio
from starlette.types import Message, Receive, Scope

from server.domain.errors import InvalidRequest, PayloadTooLarge, RequestTimeout


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")


# Where the body that was read is kept for later layers (the error handlers redact
# write-only fields that a validation message would echo).
BODY_EXTENSION = "trax.body"
# Where the body guard keeps the document of a JSON body it parsed (server/http/json_input.py):
# connexion's body validation and the handler's body argument take it from there instead of
# parsing the body again (server/http/connexion_compat.py, coupling 12). Absent when the body
# was not parsed (empty, or not JSON); a body `null` is kept as None.
JSON_DOCUMENT_EXTENSION = "trax.json"


def declares_no_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """HTTP/1.1 (RFC 9112 6.3): a request has a body only with Content-Length or
    Transfer-Encoding. Without either (every GET a client sends), or with Content-Length: 0,
    there is nothing to read, and no receive (nor its deadline) is started."""
    length = None
    for name, value in headers:
        if name == b"transfer-encoding":
            return False
        if name == b"content-length":
            length = value
    return length is None or length == b"0"


async def read_body(scope: Scope, receive: Receive, *, max_bytes: int, timeout: float) -> bytes:
    if declares_no_body(scope["headers"]):
        return b""
    declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
    if declared is not None:
        if not declared.isdigit():
            raise InvalidRequest("Content-Length is not a number.")
        if int(declared) > max_bytes:
            raise _too_large(max_bytes)

    chunks: list[bytes] = []
    size = 0
    with anyio.move_on_after(timeout) as deadline:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
    if deadline.cancelled_caught:
        raise RequestTimeout(f"The request body did not arrive within {timeout:g} seconds.")
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive callable that hands the already-read body on once, then defers to the
    server's (for the disconnect message)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
