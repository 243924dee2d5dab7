"""The clocks of the domain: timestamps are timezone-aware UTC; services take a clock so tests
can move time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def wall_clock_us() -> int:
    """Wall-clock microseconds (the token buckets' unit)."""
    return time.time_ns() // 1000


def _isoformat_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _orjson_timestamp(value: datetime) -> str:
    # orjson writes '"2026-11-20T18:04:05.123456+00:00"' (no fraction when it is zero) in a
    # fifth of isoformat's time; a list page formats two per item.
    text = orjson.dumps(value.astimezone(UTC))
    if value.microsecond:
        return text[1:24].decode() + "Z"
    return text[1:20].decode() + ".000Z"


def timestamp(value: datetime) -> str:
    """RFC 3339, UTC, millisecond precision, as the contract publishes times:
    2026-11-20T18:04:05.123Z."""
    return _format_timestamp(value)


try:
    import orjson
except ImportError:  # pragma: no cover - orjson is pinned; the stdlib form is the reference
    _format_timestamp = _isoformat_timestamp
else:
    _format_timestamp = _orjson_timestamp
