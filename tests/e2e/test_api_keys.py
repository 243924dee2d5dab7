from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from server.domain.clock import utcnow
from server.domain.errors import InvalidKey
from server.services.api_keys import ApiKeyService
from server.services.unit_of_work import UnitOfWork
from server.storage.database import make_session_factory
from server.storage.models import ApiKey
from tests.support.client import ApiClient


def stored_key(services, key_id) -> ApiKey:
    with services.engine.connect() as connection:
        return connection.execute(select(ApiKey.__table__).where(ApiKey.id == key_id)).one()


def test_secret_format_and_only_a_keyed_hash_is_stored(services, tenant):
    assert tenant.secret.startswith("sk_live_") and len(tenant.secret) == 48
    row = stored_key(services, tenant.key_id)
    dumped = " ".join(str(value) for value in row)
    assert tenant.secret not in dumped and tenant.secret[8:] not in dumped
    assert row.prefix == tenant.secret[:12]


def test_hash_is_keyed_by_the_server_secret(services, tenant, settings):
    other = ApiKeyService(
        lambda: UnitOfWork(make_session_factory(services.engine)), "another-secret"
    )
    with pytest.raises(InvalidKey):
        other.authenticate(tenant.secret)
    assert services.api_keys.authenticate(tenant.secret).account_id == tenant.account_id


def test_secrets_are_unique(services, tenant):
    secrets = {
        services.api_keys.create(tenant.account_id, f"k{i}", ["studios:read"]).secret
        for i in range(50)
    }
    assert len(secrets) == 50


def test_lookup_is_an_index_probe(services):
    unique_columns = [
        c["column_names"] for c in inspect(services.engine).get_unique_constraints("api_keys")
    ] + [
        i["column_names"]
        for i in inspect(services.engine).get_indexes("api_keys")
        if i.get("unique")
    ]
    assert ["secret_hash"] in unique_columns
    if services.engine.dialect.name == "sqlite":
        with services.engine.connect() as connection:
            plan = connection.execute(
                text("EXPLAIN QUERY PLAN SELECT * FROM api_keys WHERE secret_hash = 'x'")
            ).all()
        assert "USING INDEX" in " ".join(str(row) for row in plan)


def test_unknown_scopes_are_refused(services, tenant):
    with pytest.raises(ValueError, match="unknown scope"):
        services.api_keys.create(tenant.account_id, "k", ["studios:read", "root"])


def test_last_used_is_recorded_once_per_window(app, services, tenant):
    api = ApiClient(app, tenant.secret)
    assert stored_key(services, tenant.key_id).last_used_at is None
    api.get("/v1/studios")
    first = stored_key(services, tenant.key_id).last_used_at
    assert first is not None
    for _ in range(5):
        api.get("/v1/studios")
    assert stored_key(services, tenant.key_id).last_used_at == first


def test_last_used_moves_after_the_window(app, services, tenant):
    api = ApiClient(app, tenant.secret)
    api.get("/v1/studios")
    with services.engine.begin() as connection:
        connection.execute(
            ApiKey.__table__.update().values(last_used_at=utcnow() - timedelta(minutes=5))
        )
    before = stored_key(services, tenant.key_id).last_used_at
    api.get("/v1/studios")
    assert stored_key(services, tenant.key_id).last_used_at > before


def test_revoke_is_idempotent(services, tenant):
    first = services.api_keys.revoke(tenant.key_id).revoked_at
    assert services.api_keys.revoke(tenant.key_id).revoked_at == first
