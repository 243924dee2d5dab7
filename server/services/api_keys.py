"""API keys: `sk_live_` + 40 random base62 characters (about 238 bits). Only an HMAC of the
secret is stored, so a leaked database does not leak usable keys, and lookup is one probe of a
unique index whatever the number of keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from server.domain.errors import InvalidKey
from server.domain.ids import new_id
from server.domain.principal import Principal
from server.domain.scopes import ALL_SCOPES
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import ApiKey, utcnow

SECRET_PREFIX = "sk_live_"
_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 40
_SECRET_LENGTH = len(SECRET_PREFIX) + _RANDOM_LENGTH
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 4


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str


class ApiKeyService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hash_secret: str,
        last_used_resolution: timedelta = timedelta(seconds=60),
    ):
        if not hash_secret:
            raise ValueError("a key-hash secret is required")
        self._uow = unit_of_work
        self._hash_secret = hash_secret.encode()
        self._last_used_resolution = last_used_resolution

    def _hash(self, secret: str) -> str:
        return hmac.new(self._hash_secret, secret.encode(), hashlib.sha256).hexdigest()

    def create(
        self,
        account_id: str,
        name: str,
        scopes: list[str],
        expires_in_days: int | None = None,
    ) -> CreatedKey:
        unknown = sorted(set(scopes) - set(ALL_SCOPES))
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
        if not scopes:
            raise ValueError("a key needs at least one scope")
        if expires_in_days is not None and expires_in_days < 1:
            raise ValueError("--expires-in-days must be 1 or more")
        secret = SECRET_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
        now = utcnow()
        key = ApiKey(
            id=new_id("key"),
            account_id=account_id,
            name=name,
            prefix=secret[:DISPLAY_PREFIX_LENGTH],
            secret_hash=self._hash(secret),
            scopes=" ".join(s for s in ALL_SCOPES if s in scopes),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise LookupError(f"no account {account_id}")
            uow.api_keys.add(key)
            uow.commit()
        return CreatedKey(key=key, secret=secret)

    def list(self, account_id: str) -> list[ApiKey]:
        with self._uow() as uow:
            return uow.api_keys.list_for_account(account_id)

    def revoke(self, key_id: str) -> ApiKey:
        with self._uow() as uow:
            key = uow.api_keys.get(key_id)
            if key is None:
                raise LookupError(f"no key {key_id}")
            if key.revoked_at is None:
                key.revoked_at = utcnow()
                uow.commit()
            return key

    def authenticate(self, secret: str | None) -> Principal:
        """The principal a secret acts as; InvalidKey for anything else."""
        if not secret or len(secret) != _SECRET_LENGTH or not secret.startswith(SECRET_PREFIX):
            raise InvalidKey()
        now = utcnow()
        with self._uow() as uow:
            key = uow.api_keys.find_by_secret_hash(self._hash(secret))
            if key is None or key.revoked_at is not None:
                raise InvalidKey()
            if key.expires_at is not None and key.expires_at <= now:
                raise InvalidKey()
            stale_before = now - self._last_used_resolution
            if key.last_used_at is None or key.last_used_at < stale_before:
                uow.api_keys.touch_last_used(key.id, now, stale_before)
                uow.commit()
            return Principal(
                account_id=key.account_id, key_id=key.id, scopes=frozenset(key.scopes.split())
            )
