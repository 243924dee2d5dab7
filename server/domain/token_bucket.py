"""The per-key token bucket, in integer arithmetic so that Retry-After is exact.

A bucket holds at most `capacity` tokens and gains one every `interval_us` microseconds (the
sustained rate is 1 / interval). It is kept in the GCRA form (virtual scheduling): one integer
per key, the "theoretical arrival time" `tat` at which the bucket would be full again. With
`tau = interval * (capacity - 1)`, a request at `now` may take a token iff `max(tat, now) - now
<= tau`, which is exactly "the bucket holds at least one token"; taking it adds one interval to
`tat`. Nothing is ever rounded, so the time a denied request is told to wait is exact: a retry
at `now + Retry-After` finds a token (when nobody else took it in between).

The Redis backend runs the same steps in Lua (server/adapters/rate_limiter.py); the tests
drive both with the same clock and compare them."""

from __future__ import annotations

import math
from dataclasses import dataclass

MICROS = 1_000_000


@dataclass(frozen=True)
class BucketPolicy:
    capacity: int
    interval_us: int

    @classmethod
    def from_rate(cls, capacity: int, per_second: float) -> BucketPolicy:
        """`per_second` tokens a second, rounded to whole microseconds between tokens (never
        faster than asked)."""
        if capacity < 1:
            raise ValueError("the rate-limit burst must be 1 or more")
        if not per_second > 0:
            raise ValueError("the rate-limit refill rate must be above 0")
        return cls(capacity=capacity, interval_us=max(1, math.ceil(MICROS / per_second)))

    @property
    def tolerance_us(self) -> int:
        return self.interval_us * (self.capacity - 1)

    @property
    def window_seconds(self) -> int:
        """Seconds an empty bucket takes to fill up (the `w` of RateLimit-Policy)."""
        return max(1, math.ceil(self.capacity * self.interval_us / MICROS))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Tokens left after this request.
    remaining: int
    # Microseconds until a token is available (0 when allowed).
    wait_us: int
    # Microseconds until the bucket is full again.
    full_us: int

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, rounded up: never earlier than the next token."""
        return math.ceil(self.wait_us / MICROS)

    @property
    def reset_seconds(self) -> int:
        return math.ceil(self.full_us / MICROS)


def take(policy: BucketPolicy, tat: int | None, now_us: int) -> tuple[int, Decision]:
    """One request at `now_us` against a bucket whose state is `tat` (None: never used, i.e.
    full). Returns the new state and the decision. Mirrored line by line by TAKE_LUA."""
    tat = now_us if tat is None or tat < now_us else tat
    tau = policy.tolerance_us
    if tat - now_us > tau:
        return tat, Decision(False, 0, tat - tau - now_us, tat - now_us)
    new_tat = tat + policy.interval_us
    remaining = (tau + now_us - new_tat) // policy.interval_us + 1
    return new_tat, Decision(True, remaining, 0, new_tat - now_us)
