from __future__ import annotations

import os
from dataclasses import dataclass, replace

import pytest

from server.app import create_app
from server.config import Settings
from server.domain.scopes import ALL_SCOPES
from server.services.container import Services
from tests.support.client import ApiClient
from tests.support.database import reset_schema, truncate_all

TEST_KEY_HASH_SECRET = "test-key-hash-secret"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("TRAX_DATABASE_URL", "").startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs TRAX_DATABASE_URL pointing at PostgreSQL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TRAX_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'trax-test.db'}"
    )


@pytest.fixture(scope="session")
def settings(database_url) -> Settings:
    return Settings(
        database_url=database_url,
        write_enabled=True,
        key_hash_secret=TEST_KEY_HASH_SECRET,
        validate_responses=True,
        # TRAX_APP_FLAVOUR=async runs the whole suite on connexion's AsyncApp.
        app_flavour=os.environ.get("TRAX_APP_FLAVOUR", "flask"),
        # The suite checks keys against the database on every request (revocation at once);
        # tests/test_auth_cache.py covers the cached mode production runs with.
        auth_cache_seconds=float(os.environ.get("TRAX_AUTH_CACHE_SECONDS", 0)),
    )


@pytest.fixture(scope="session")
def services(settings) -> Services:
    services = Services.build(settings)
    reset_schema(settings.database_url, services.engine)
    yield services
    services.engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(request):
    if "services" in request.fixturenames or "app" in request.fixturenames:
        truncate_all(request.getfixturevalue("services").engine)


@pytest.fixture(scope="session")
def app(settings, services):
    return create_app(settings, services)


@pytest.fixture(scope="session")
def read_only_app(settings, services):
    return create_app(replace(settings, write_enabled=False), services)


@dataclass
class Tenant:
    account_id: str
    secret: str
    key_id: str


@pytest.fixture
def make_tenant(services):
    def make(name: str = "Tenant", scopes: tuple[str, ...] = ALL_SCOPES, **key_options) -> Tenant:
        account = services.accounts.create(name)
        created = services.api_keys.create(account.id, "test key", list(scopes), **key_options)
        return Tenant(account.id, created.secret, created.key.id)

    return make


@pytest.fixture
def tenant(make_tenant) -> Tenant:
    return make_tenant("Alice")


@pytest.fixture
def api(app, tenant) -> ApiClient:
    """A contract-checked client authenticated as `tenant` with every scope."""
    return ApiClient(app, tenant.secret)


@pytest.fixture
def anonymous(app) -> ApiClient:
    return ApiClient(app)


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the app under a real uvicorn."""
    from tests.support.live_server import serve

    with serve(app) as base_url:
        yield base_url
