"""The schema comes from Alembic migrations, and they describe exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from server.storage import migrate
from server.storage.models import Base


def test_migrations_match_the_models(services):
    with services.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    assert {"accounts", "api_keys", "studios"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    assert {"accounts", "api_keys", "studios"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_keys_made_before_users_existed_belong_to_the_account_owner(tmp_path):
    from sqlalchemy import text

    from server.config import Settings
    from server.services.container import Services

    url = f"sqlite:///{tmp_path / 'before-users.db'}"
    migrate.upgrade(url, "0005")
    services = Services.build(Settings(database_url=url, key_hash_secret="s"))
    secret = "sk_live_" + "B" * 40
    with services.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO accounts (id, name, created_at) VALUES ('acct_1', 'Old', :now)"),
            {"now": "2026-11-01 10:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO api_keys (id, account_id, name, prefix, secret_hash, scopes, "
                "created_at) VALUES ('key_1', 'acct_1', 'old', 'sk_live_BBBB', :hash, "
                "'studios:read media:write', :now)"
            ),
            {"hash": services.api_keys._hash(secret), "now": "2026-11-01 10:00:00"},
        )
    migrate.upgrade(url)
    owner = services.users.owner_of("acct_1")
    assert owner.is_owner and len(owner.scopes.split()) == 15 and owner.email is None
    principal = services.api_keys.authenticate(secret)
    assert principal.user_id == owner.id
    assert principal.scopes == {"studios:read", "media:write"}
    services.close()
