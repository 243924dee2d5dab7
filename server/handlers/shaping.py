"""Shared response shaping: timestamps and list pages as the contract publishes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from server.domain.pagination import Page

T = TypeVar("T")


def timestamp(value: datetime) -> str:
    """RFC 3339, UTC, millisecond precision: 2026-11-20T18:04:05.123Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def page_body(page: Page[T], present: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"data": [present(item) for item in page.items]}
    if page.next_cursor is not None:
        body["nextCursor"] = page.next_cursor
    return body
