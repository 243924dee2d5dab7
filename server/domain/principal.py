from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account an API key acts as, the user who made the key, and the
    effective scopes (the key's scopes that its user still holds). For an OAuth access token
    (Sign in with TRaX): the user who consented, the granted scopes that user still holds, and
    in `key_id` the grant's id, so the grant is the rate-limit bucket."""

    account_id: str
    key_id: str
    scopes: frozenset[str]
    user_id: str | None = None
