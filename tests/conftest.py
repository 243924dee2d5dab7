from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass, replace

import pytest

from server.app import create_app
from server.config import Settings
from server.domain.scopes import ALL_SCOPES
from server.http import connexion_compat
from server.http.connexion_compat import ParameterPlan
from server.services.container import Services
from tests.support.client import ApiClient
from tests.support.database import reset_schema, truncate_all
from tests.support.dns import fake_resolver
from tests.support.plan_shadow import shadowed_one_pass, shadowed_resolve

# The browser tests' Chromium, screenshot directory and origin fixtures.
pytest_plugins = ["tests.support.browser"]

TEST_KEY_HASH_SECRET = "test-key-hash-secret"
# Generous enough that no test outside the rate-limit ones is ever throttled (schemathesis
# makes thousands of requests with one key); those build their own app with small numbers.
GENEROUS_BURST = 1_000_000_000


def pytest_collection_modifyitems(config, items):
    skips = {
        "postgres": (
            os.environ.get("TRAX_DATABASE_URL", "").startswith("postgresql"),
            "needs TRAX_DATABASE_URL pointing at PostgreSQL",
        ),
        "redis": (bool(os.environ.get("TRAX_REDIS_URL")), "needs TRAX_REDIS_URL"),
    }
    for marker, (available, reason) in skips.items():
        if available:
            continue
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def parameter_plan_shadowed():
    """connexion reads every request the parameter plan reads, and judges every body validated
    on the parsed document, and the two must agree."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ParameterPlan, "resolve", shadowed_resolve)
        patch.setattr(connexion_compat, "validated_in_one_pass", shadowed_one_pass)
        yield


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    """Every test session gets its own Redis key space, so runs sharing a Redis never meet."""
    return f"trax-test-{secrets.token_hex(6)}:"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TRAX_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'trax-test.db'}"
    )


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def settings(database_url, redis_prefix, media_dir) -> Settings:
    """TRAX_REDIS_URL set (as in CI): the whole suite runs with the Redis rate limiter."""
    return Settings(
        database_url=database_url,
        write_enabled=True,
        key_hash_secret=TEST_KEY_HASH_SECRET,
        validate_responses=True,
        rate_limit_burst=GENEROUS_BURST,
        rate_limit_per_second=GENEROUS_BURST,
        redis_url=os.environ.get("TRAX_REDIS_URL") or None,
        redis_prefix=redis_prefix,
        media_dir=media_dir,
        # The suite checks keys against the database on every request (revocation at once);
        # tests/integration/test_auth_cache.py covers the cached mode production runs with.
        auth_cache_seconds=float(os.environ.get("TRAX_AUTH_CACHE_SECONDS", 0)),
        # Every web test signs in from the same address; the throttle test builds its own app.
        sign_in_burst=GENEROUS_BURST,
        sign_in_per_minute=GENEROUS_BURST,
        # The API suite runs without a media plane; tests/integration/test_relay_*.py run the
        # real relay.
        stream_engine="bookkeeping",
    )


@pytest.fixture(scope="session")
def services(settings) -> Services:
    services = Services.build(settings, resolver=fake_resolver)
    reset_schema(settings.database_url, services.engine)
    yield services
    services.engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(request):
    if "services" in request.fixturenames or "app" in request.fixturenames:
        truncate_all(request.getfixturevalue("services").engine)
        media_dir = request.getfixturevalue("media_dir")
        shutil.rmtree(media_dir)
        media_dir.mkdir()


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


S3_BUCKET = "trax-media-test"


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3-compatible server (moto's server mode) on 127.0.0.1, with an empty bucket."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=S3_BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def s3_settings(settings, s3_endpoint) -> Settings:
    return replace(
        settings,
        media_backend="s3",
        s3_bucket=S3_BUCKET,
        s3_endpoint_url=s3_endpoint,
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def s3_services(s3_settings, services) -> Services:
    """Services on the same (already migrated) database, storing media in the S3 server."""
    s3_services = Services.build(s3_settings)
    yield s3_services
    s3_services.close()


@pytest.fixture(scope="session")
def s3_app(s3_settings, s3_services):
    return create_app(s3_settings, s3_services)


@pytest.fixture(scope="session")
def s3_live_server(s3_app):
    from tests.support.live_server import serve

    with serve(s3_app) as base_url:
        yield base_url
