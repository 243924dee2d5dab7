"""Shared response shaping: timestamps, list pages and ETags as the contract publishes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from server.domain.clock import timestamp
from server.domain.conditional import etag
from server.domain.pagination import Page

__all__ = ["Response", "etag_headers", "page_body", "timestamp"]

T = TypeVar("T")
# What a handler returns to connexion: (body, status) or (body, status, headers).
Response = tuple[Any, int] | tuple[Any, int, dict[str, str]]


def page_body(page: Page[T], present: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"data": [present(item) for item in page.items]}
    if page.next_cursor is not None:
        body["nextCursor"] = page.next_cursor
    return body


def etag_headers(row: Any, **headers: str) -> dict[str, str]:
    """The response headers of a single resource: its strong ETag, from the row version the
    database keeps (`row.version`, an ORM object or a Core row alike), and any others given."""
    return {"ETag": etag(row.version), **headers}
