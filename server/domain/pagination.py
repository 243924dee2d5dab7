"""The published pagination rules: limit default 50, clamped to 200; opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from server.domain.errors import InvalidRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_CURSOR_VERSION = "v1:"
_ID = re.compile(r"^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$")

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after_id: str | None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    raw = (_CURSOR_VERSION + last_id).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, id_prefix: str) -> str:
    """The id a cursor points after; InvalidRequest for anything that is not our own cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("The cursor is malformed; pass a nextCursor unchanged.") from exc
    last_id = raw.removeprefix(_CURSOR_VERSION)
    if raw == last_id or not _ID.match(last_id) or not last_id.startswith(f"{id_prefix}_"):
        raise InvalidRequest("The cursor is malformed or belongs to another list.")
    return last_id


def page_request(limit: int | None, cursor: str | None, id_prefix: str) -> PageRequest:
    if limit is None:
        limit = DEFAULT_LIMIT
    if limit < 1:
        raise InvalidRequest("limit must be 1 or more.")
    after = decode_cursor(cursor, id_prefix) if cursor else None
    return PageRequest(limit=min(limit, MAX_LIMIT), after_id=after)


def page_from_rows(rows: list[T], request: PageRequest, id_of: Callable[[T], str]) -> Page[T]:
    """`rows` were fetched with limit + 1: the extra row only says that another page exists."""
    if len(rows) > request.limit:
        rows = rows[: request.limit]
        return Page(items=rows, next_cursor=encode_cursor(id_of(rows[-1])))
    return Page(items=rows, next_cursor=None)
