from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account an API key acts as, and the scopes it was granted."""

    account_id: str
    key_id: str
    scopes: frozenset[str]
