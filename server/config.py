"""Settings, read once from the environment. Every knob of the server is named here."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

VAR_DIR = Path(os.environ.get("TRAX_VAR_DIR", "var"))
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'trax.db'}"
_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


def _dev_key_hash_secret() -> str:
    """The embedded default: a random secret kept under var/ so keys survive restarts."""
    path = VAR_DIR / "key-hash-secret"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # PUBLIC_API_WRITE_ENABLED: unset means off; every mutating route answers 503 while off.
    write_enabled: bool = False
    # The HMAC key under which API-key secrets are hashed; only the hash is stored.
    key_hash_secret: str = ""
    max_body_bytes: int = 64 * 1024
    # Response validation against the spec: on in tests and CI, off in production (it costs CPU).
    validate_responses: bool = False
    # lastUsedAt is written at most this often per key, not on every request.
    last_used_resolution_seconds: int = 60
    # Seconds a key seen valid is trusted in-process without re-reading it (0: never). A key
    # revoked by another process (the CLI, another worker) is refused within this bound.
    auth_cache_seconds: float = 5.0
    # Which connexion app wraps the handlers: "flask" (FlaskApp, the default) or "async"
    # (AsyncApp). Handlers import no framework, so this is the only place that differs.
    app_flavour: str = "flask"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("TRAX_DATABASE_URL") or DEFAULT_DATABASE_URL,
            write_enabled=_flag("PUBLIC_API_WRITE_ENABLED"),
            key_hash_secret=os.environ.get("TRAX_KEY_HASH_SECRET") or _dev_key_hash_secret(),
            max_body_bytes=int(os.environ.get("TRAX_MAX_BODY_BYTES", 64 * 1024)),
            validate_responses=_flag("TRAX_VALIDATE_RESPONSES"),
            last_used_resolution_seconds=int(os.environ.get("TRAX_LAST_USED_RESOLUTION", 60)),
            auth_cache_seconds=float(os.environ.get("TRAX_AUTH_CACHE_SECONDS", 5)),
            app_flavour=os.environ.get("TRAX_APP_FLAVOUR", "flask").strip().lower() or "flask",
        )
