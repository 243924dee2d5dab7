"""How keys and times read on the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.services.api_keys import SECRET_PREFIX
from server.storage.models import ApiKey


def exact(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def relative(value: datetime, now: datetime) -> str:
    seconds = int((value - now).total_seconds())
    future, seconds = seconds > 0, abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a few seconds"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "in a minute" if future else "a minute ago"


@dataclass(frozen=True)
class KeyRow:
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created: str
    created_exact: str
    created_iso: str
    last_used: str
    last_used_exact: str
    last_used_iso: str
    expires: str
    expires_exact: str
    expires_iso: str
    status: str


def key_row(key: ApiKey, now: datetime) -> KeyRow:
    if key.revoked_at is not None:
        status = "revoked"
    elif key.expires_at is not None and key.expires_at <= now:
        status = "expired"
    else:
        status = "active"
    return KeyRow(
        id=key.id,
        name=key.name,
        prefix=key.prefix if key.prefix.startswith(SECRET_PREFIX) else SECRET_PREFIX + key.prefix,
        scopes=key.scopes.split(),
        created=relative(key.created_at, now),
        created_exact=exact(key.created_at),
        created_iso=iso(key.created_at),
        last_used=relative(key.last_used_at, now) if key.last_used_at else "never",
        last_used_exact=exact(key.last_used_at),
        last_used_iso=iso(key.last_used_at),
        expires=relative(key.expires_at, now) if key.expires_at else "never",
        expires_exact=exact(key.expires_at),
        expires_iso=iso(key.expires_at),
        status=status,
    )


# What each scope lets an app or key do, in words (the consent page).
SCOPE_WORDS: dict[str, str] = {
    "studios:read": "See your studios",
    "studios:write": "Create, change and delete your studios",
    "sources:read": "See the sources of your studios",
    "sources:write": "Add, change and remove sources",
    "destinations:read": "See where your studios stream to",
    "destinations:write": "Add, change and remove streaming destinations",
    "stream:read": "See the state of your streams",
    "stream:golive": "Start and stop your live streams",
    "connections:read": "See your connected platform accounts",
    "connections:write": "Connect and disconnect platform accounts",
    "chat:read": "Read your streams' chat",
    "chat:send": "Send chat messages as you",
    "media:read": "See your media library",
    "media:write": "Upload and delete media",
    "webhooks:manage": "Manage your webhooks",
}


@dataclass(frozen=True)
class ScopeInWords:
    scope: str
    words: str


def scope_words(scopes: list[str]) -> list[ScopeInWords]:
    return [ScopeInWords(s, SCOPE_WORDS.get(s, s)) for s in scopes]
