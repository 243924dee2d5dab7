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


def timestamp(value: datetime) -> str:
    """RFC 3339, UTC, millisecond precision, as the contract publishes times:
    2026-11-20T18:04:05.123Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
