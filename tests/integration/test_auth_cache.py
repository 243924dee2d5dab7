"""The in-process auth cache production runs with (TRAX_AUTH_CACHE_SECONDS, default 5): a key
seen valid is trusted for at most that long, so a key revoked by another process is refused
within the bound; revoking through the same service, and a key's own expiry, act at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial

import pytest

from server.app import create_app
from server.domain.clock import utcnow
from server.domain.errors import InvalidKey
from server.services import api_keys as api_keys_module
from server.services.api_keys import ApiKeyService, AuthCache
from server.services.unit_of_work import UnitOfWork
from server.storage.database import make_session_factory
from server.storage.models import ApiKey
from tests.support.client import ApiClient

TTL = 5.0


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cached_keys(services, settings, clock) -> ApiKeyService:
    return ApiKeyService(
        partial(UnitOfWork, make_session_factory(services.engine)),
        settings.key_hash_secret,
        cache=AuthCache(TTL, clock=clock),
    )


@pytest.fixture
def cached_api(settings, services, cached_keys, tenant) -> ApiClient:
    app = create_app(settings, replace(services, api_keys=cached_keys))
    return ApiClient(app, tenant.secret)


def revoke_behind_the_back(services, key_id: str) -> None:
    """What the CLI or another worker does: the row changes, this process is not told."""
    with services.engine.begin() as connection:
        connection.execute(
            ApiKey.__table__.update().where(ApiKey.id == key_id).values(revoked_at=utcnow())
        )


def test_a_key_revoked_elsewhere_is_refused_within_the_bound(cached_api, services, tenant, clock):
    assert cached_api.get("/v1/studios").status_code == 200
    revoke_behind_the_back(services, tenant.key_id)
    # Inside the bound the cached answer stands: this is what the cache buys, and costs.
    clock.now += TTL - 0.5
    assert cached_api.get("/v1/studios").status_code == 200
    clock.now += 0.5
    response = cached_api.get("/v1/studios")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_key")


def test_a_key_revoked_through_the_service_is_refused_at_once(cached_api, cached_keys, tenant):
    assert cached_api.get("/v1/studios").status_code == 200
    cached_keys.revoke(tenant.key_id)
    assert cached_api.get("/v1/studios").status_code == 401


def test_without_the_cache_an_outside_revoke_is_refused_at_once(services, settings, tenant):
    uncached = ApiKeyService(
        partial(UnitOfWork, make_session_factory(services.engine)),
        settings.key_hash_secret,
        cache=AuthCache(0),
    )
    assert uncached.authenticate(tenant.secret).key_id == tenant.key_id
    revoke_behind_the_back(services, tenant.key_id)
    with pytest.raises(InvalidKey):
        uncached.authenticate(tenant.secret)


def test_cached_hits_do_not_read_the_database(cached_keys, services, tenant):
    assert cached_keys.authenticate(tenant.secret).account_id == tenant.account_id
    # The key row is gone; only the cache can still answer, and does until the bound.
    with services.engine.begin() as connection:
        connection.execute(ApiKey.__table__.delete().where(ApiKey.id == tenant.key_id))
    assert cached_keys.authenticate(tenant.secret).key_id == tenant.key_id


def test_a_cached_key_still_expires_on_time(clock):
    cache = AuthCache(TTL, clock=clock)
    now = utcnow()
    principal = object()
    cache.put("hash", principal, expires_at=now + timedelta(seconds=1))
    assert cache.get("hash", now) is principal
    assert cache.get("hash", now + timedelta(seconds=1)) is None


def test_unknown_keys_are_not_cached(cached_keys, services, tenant):
    secret = "sk_live_" + "A" * 40
    with pytest.raises(InvalidKey):
        cached_keys.authenticate(secret)
    assert cached_keys._cache.get(cached_keys._hash(secret), utcnow()) is None
    # The same secret becomes a key: it works at once.
    with services.engine.begin() as connection:
        connection.execute(
            ApiKey.__table__.insert().values(
                id="key_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5",
                account_id=tenant.account_id,
                name="late",
                prefix=secret[:12],
                secret_hash=cached_keys._hash(secret),
                scopes="studios:read",
                created_at=utcnow(),
                user_id=services.users.owner_of(tenant.account_id).id,
            )
        )
    assert cached_keys.authenticate(secret).account_id == tenant.account_id


def test_malformed_secrets_are_refused_without_a_lookup(cached_keys):
    for secret in (None, "", "sk_live_short", "pk_live_" + "A" * 40):
        with pytest.raises(InvalidKey):
            cached_keys.authenticate(secret)


def test_the_cache_is_bounded(clock, monkeypatch):
    monkeypatch.setattr(api_keys_module, "CACHE_MAX_ENTRIES", 3)
    cache = AuthCache(TTL, clock=clock)
    now = utcnow()
    for index in range(5):
        cache.put(f"hash{index}", index, expires_at=None)
    assert [cache.get(f"hash{index}", now) for index in range(5)] == [None, None, 2, 3, 4]
