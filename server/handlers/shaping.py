"""Shared response shaping: timestamps and list pages as the contract publishes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from server.domain.clock import timestamp
from server.domain.pagination import Page

__all__ = ["Response", "page_body", "timestamp"]

T = TypeVar("T")
# What a handler returns to connexion: (body, status) or (body, status, headers).
Response = tuple[Any, int] | tuple[Any, int, dict[str, str]]


def page_body(page: Page[T], present: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"data": [present(item) for item in page.items]}
    if page.next_cursor is not None:
        body["nextCursor"] = page.next_cursor
    return body
