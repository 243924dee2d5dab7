"""API keys: `sk_live_` + 40 random base62 characters (about 238 bits). Only an HMAC of the
secret is stored, so a leaked database does not leak usable keys, and lookup is one probe of a
unique index whatever the number of keys.

Authentication may be served from a small in-process cache (`cache_seconds`, 0 turns it off):
a key seen valid is trusted for at most that many seconds without reading the database again.
The bound this puts on revocation: a key revoked through this same service object (this
process) is refused at once (within `cache_seconds` if a request raced the revocation); a key
revoked elsewhere (the CLI, another worker or instance) is
refused by this process within `cache_seconds`. A key's own expiry is checked on every request,
cached or not, and unknown keys are never cached (a new key works at once).

A key acts as the user who made it: its effective scopes are its own scopes intersected with
those the user holds at the time of the request, and a deactivated user's keys are invalid. A
change to the user through this process drops the user's cached keys at once (`forget_user`);
made elsewhere, it is seen within the same `cache_seconds` bound as a revocation."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import secrets
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from server.domain.clock import utcnow
from server.domain.errors import InvalidKey
from server.domain.ids import new_id
from server.domain.principal import Principal
from server.domain.scopes import ALL_SCOPES
from server.observability.metrics import instruments
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import ApiKey

SECRET_PREFIX = "sk_live_"
_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 40
_SECRET_LENGTH = len(SECRET_PREFIX) + _RANDOM_LENGTH
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 4
# Upper bound on cached keys per process; the least recently cached entry goes first.
CACHE_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str


@dataclass(frozen=True)
class _CachedKey:
    principal: Principal
    expires_at: datetime | None
    trusted_until: float


class AuthCache:
    """secret hash -> principal, each entry trusted for `seconds` of `clock` time."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._entries: OrderedDict[str, _CachedKey] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, secret_hash: str, now: datetime, *, count_miss: bool = True) -> Principal | None:
        """`count_miss=False`: a peek whose miss the lookup that follows counts."""
        if self.seconds <= 0:
            return None
        entry = self._entries.get(secret_hash)
        if entry is not None and (
            entry.trusted_until <= self._clock()
            or (entry.expires_at is not None and entry.expires_at <= now)
        ):
            self.forget(secret_hash)
            entry = None
        metrics = instruments()
        if entry is not None:
            metrics.auth_cache_hits.inc()
        elif count_miss:
            metrics.auth_cache_misses.inc()
        return None if entry is None else entry.principal

    def put(self, secret_hash: str, principal: Principal, expires_at: datetime | None) -> None:
        if self.seconds <= 0:
            return
        entry = _CachedKey(principal, expires_at, self._clock() + self.seconds)
        with self._lock:
            self._entries[secret_hash] = entry
            self._entries.move_to_end(secret_hash)
            while len(self._entries) > CACHE_MAX_ENTRIES:
                self._entries.popitem(last=False)

    def forget(self, secret_hash: str) -> None:
        with self._lock:
            self._entries.pop(secret_hash, None)

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            for secret_hash in [
                h for h, entry in self._entries.items() if entry.principal.user_id == user_id
            ]:
                del self._entries[secret_hash]


class ScopeNotHeld(ValueError):
    """A key may only be granted scopes its user holds."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("you can only grant scopes you hold; not held: " + ", ".join(missing))


class ApiKeyService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hash_secret: str,
        last_used_resolution: timedelta = timedelta(seconds=60),
        cache: AuthCache | None = None,
    ) -> None:
        if not hash_secret:
            raise ValueError("a key-hash secret is required")
        self._uow = unit_of_work
        self._hash_secret = hash_secret.encode()
        self._last_used_resolution = last_used_resolution
        self._cache = cache or AuthCache(0)

    def _hash(self, secret: str) -> str:
        return hmac.new(self._hash_secret, secret.encode(), hashlib.sha256).hexdigest()

    def create(
        self,
        account_id: str,
        name: str,
        scopes: list[str],
        expires_in_days: int | None = None,
        *,
        user_id: str | None = None,
        expires_at: datetime | None = None,
    ) -> CreatedKey:
        """A key of `user_id` (default: the account's owner), granted only scopes that user
        holds (ScopeNotHeld otherwise). `expires_in_days` or `expires_at`, or neither."""
        unknown = sorted(set(scopes) - set(ALL_SCOPES))
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
        if not scopes:
            raise ValueError("a key needs at least one scope")
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise ValueError("a key name is 1 to 100 characters")
        if expires_in_days is not None and expires_in_days < 1:
            raise ValueError("--expires-in-days must be 1 or more")
        now = utcnow()
        if expires_in_days:
            expires_at = now + timedelta(days=expires_in_days)
        if expires_at is not None and expires_at <= now:
            raise ValueError("the expiry must be in the future")
        secret = SECRET_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
        key = ApiKey(
            id=new_id("key"),
            account_id=account_id,
            name=name,
            prefix=secret[:DISPLAY_PREFIX_LENGTH],
            secret_hash=self._hash(secret),
            scopes=" ".join(s for s in ALL_SCOPES if s in scopes),
            created_at=now,
            expires_at=expires_at,
        )
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise LookupError(f"no account {account_id}")
            user = uow.users.get(user_id) if user_id else uow.users.owner_of(account_id)
            if user is None or user.account_id != account_id:
                raise LookupError(f"no user {user_id} in account {account_id}")
            if user.deactivated_at is not None:
                raise ValueError("a deactivated user cannot make keys")
            missing = [s for s in ALL_SCOPES if s in scopes and s not in user.scopes.split()]
            if missing:
                raise ScopeNotHeld(missing)
            key.user_id = user.id
            uow.api_keys.add(key)
            uow.commit()
        return CreatedKey(key=key, secret=secret)

    def list(self, account_id: str) -> builtins.list[ApiKey]:
        with self._uow() as uow:
            return uow.api_keys.list_for_account(account_id)

    def list_for_user(self, account_id: str, user_id: str) -> builtins.list[ApiKey]:
        with self._uow() as uow:
            return uow.api_keys.list_for_user(account_id, user_id)

    def revoke_for_user(self, account_id: str, user_id: str, key_id: str) -> ApiKey:
        """Revokes one of the user's own keys; LookupError for any other id (another
        user's, another account's, or none), so nobody learns which ids exist."""
        with self._uow() as uow:
            key = uow.api_keys.get_for_user(account_id, user_id, key_id)
            if key is None:
                raise LookupError(f"no key {key_id}")
        return self.revoke(key_id)

    def get_for_user(self, account_id: str, user_id: str, key_id: str) -> ApiKey | None:
        with self._uow() as uow:
            return uow.api_keys.get_for_user(account_id, user_id, key_id)

    def forget_user(self, user_id: str) -> None:
        """Drops the user's keys from this process's auth cache (their scopes or status
        changed), so the next request reads them again."""
        self._cache.forget_user(user_id)

    def revoke(self, key_id: str) -> ApiKey:
        with self._uow() as uow:
            key = uow.api_keys.get(key_id)
            if key is None:
                raise LookupError(f"no key {key_id}")
            if key.revoked_at is None:
                key.revoked_at = utcnow()
                uow.commit()
            self._cache.forget(key.secret_hash)
            return key

    @staticmethod
    def _well_formed(secret: str | None) -> TypeGuard[str]:
        return (
            secret is not None
            and len(secret) == _SECRET_LENGTH
            and secret.startswith(SECRET_PREFIX)
        )

    def cached(self, secret: str | None) -> tuple[str, Principal | None]:
        """The secret's hash (the key single-flight lookups share) and the principal the auth
        cache holds for it, or None (then call `authenticate`). No I/O: callers run it inline.
        InvalidKey for a secret that cannot be a credential at all (a kind of credential that
        `authenticate` accepts must pass here too)."""
        if not self._well_formed(secret):
            raise InvalidKey()
        secret_hash = self._hash(secret)
        return secret_hash, self._cache.get(secret_hash, utcnow(), count_miss=False)

    def authenticate(self, secret: str | None) -> Principal:
        """The principal a secret acts as; InvalidKey for anything else."""
        if not self._well_formed(secret):
            raise InvalidKey()
        now = utcnow()
        secret_hash = self._hash(secret)
        cached = self._cache.get(secret_hash, now)
        if cached is not None:
            return cached
        with self._uow() as uow:
            found = uow.api_keys.find_with_user_by_secret_hash(secret_hash)
            if found is None:
                raise InvalidKey()
            key, user = found
            if key.revoked_at is not None or user.deactivated_at is not None:
                raise InvalidKey()
            if key.expires_at is not None and key.expires_at <= now:
                raise InvalidKey()
            stale_before = now - self._last_used_resolution
            if key.last_used_at is None or key.last_used_at < stale_before:
                uow.api_keys.touch_last_used(key.id, now, stale_before)
                uow.commit()
            principal = Principal(
                account_id=key.account_id,
                key_id=key.id,
                scopes=frozenset(key.scopes.split()) & frozenset(user.scopes.split()),
                user_id=user.id,
            )
        self._cache.put(secret_hash, principal, key.expires_at)
        return principal
