"""Idempotency-Key (draft-ietf-httpapi-idempotency-key-header, Stripe's semantics): parsing the
header, the request fingerprint, and the binding of the request being served to its record.

The key is 1-255 printable ASCII characters (0x20-0x7e), sent bare (`Idempotency-Key: abc`)
or as the draft's structured-field string (`Idempotency-Key: "abc"`, with `\\"` and `\\\\`
escapes). The fingerprint is the SHA-256 of the canonical JSON of the body (keys sorted, no
insignificant whitespace, UTF-8), so re-serialising the same document does not count as a
different request; an empty body hashes as the empty string. A body that is not JSON (none
of the /v1 POSTs takes one today: media bytes go to the upload URL, outside /v1) is
fingerprinted as the SHA-256 of its media type, a NUL and its raw bytes."""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from server.domain.errors import InvalidRequest

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# How long a record (and so a replay) lives; the spec says the same.
RETENTION = timedelta(hours=24)
# How long a reservation holds off duplicates before a retry may take it over (a crashed
# server's request); longer than any request may run.
LOCK_SECONDS = 60
KEY_MESSAGE = (
    "Idempotency-Key must be 1-255 printable ASCII characters, bare or as a quoted string."
)


def parse_idempotency_key(header: str) -> str:
    value = header.strip(" \t")
    if value.startswith('"'):  # the structured-field string form, or nothing
        if len(value) < 2 or not value.endswith('"'):
            raise InvalidRequest(KEY_MESSAGE)
        value = _unquote(value[1:-1])
    if not 1 <= len(value) <= MAX_KEY_LENGTH or any(not " " <= c <= "~" for c in value):
        raise InvalidRequest(KEY_MESSAGE)
    return value


def _unquote(inner: str) -> str:
    out: list[str] = []
    escaped = False
    for char in inner:
        if escaped:
            if char not in '"\\':
                raise InvalidRequest(KEY_MESSAGE)
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            raise InvalidRequest(KEY_MESSAGE)
        else:
            out.append(char)
    if escaped:
        raise InvalidRequest(KEY_MESSAGE)
    return "".join(out)


def fingerprint(content_type: str, body: bytes) -> str:
    """See the module's docstring. The body guard has already refused malformed JSON."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return hashlib.sha256(b"").hexdigest()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        else:
            canonical = json.dumps(
                document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return hashlib.sha256(media_type.encode("latin-1") + b"\0" + body).hexdigest()


@dataclass
class IdempotencyBinding:
    """The reservation the request being served holds. The unit of work that commits the
    request's first change marks the record `applied` in that same transaction (and sets
    `applied`), so an effect and its record cannot come apart."""

    record_id: str
    lock_token: str
    applied: bool = False


current_idempotency: ContextVar[IdempotencyBinding | None] = ContextVar(
    "current_idempotency", default=None
)
