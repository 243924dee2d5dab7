"""Sign-in throttling: a token bucket per email and one per client address, on the same bucket
code and backends as the API's per-key limits (server/adapters/rate_limiter.py: in-process, or
shared through Redis when TRAX_REDIS_URL is set). Every attempt costs a token from both, before
the password is checked, so guessing is slow for one account from many addresses and for many
accounts from one address, and a throttled attempt costs no Argon2 work."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from server.adapters.rate_limiter import RateLimiter, build_rate_limiter

# The address bucket is this many times larger and faster than the email bucket: several
# people may share one address (an office, a NAT), one email belongs to one person.
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Throttled:
    retry_after_seconds: int


class SignInThrottle:
    def __init__(self, per_email: RateLimiter, per_address: RateLimiter) -> None:
        self._per_email = per_email
        self._per_address = per_address

    def attempt(self, email: str, address: str | None) -> Throttled | None:
        """Takes one token for this email and one for this address; Throttled when either
        bucket is empty (the attempt must not be made)."""
        # The email is hashed so that Redis keys do not hold addresses of people.
        email_id = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        decisions = [
            self._per_email.take(f"signin-email:{email_id}"),
            self._per_address.take(f"signin-address:{address or 'unknown'}"),
        ]
        refused = [d for d in decisions if not d.allowed]
        if not refused:
            return None
        return Throttled(max(d.retry_after_seconds for d in refused))


def build_sign_in_throttle(
    burst: int, per_minute: float, redis_url: str | None, redis_prefix: str
) -> SignInThrottle:
    per_second = per_minute / 60
    return SignInThrottle(
        build_rate_limiter(burst, per_second, redis_url, redis_prefix),
        build_rate_limiter(
            burst * ADDRESS_FACTOR, per_second * ADDRESS_FACTOR, redis_url, redis_prefix
        ),
    )
