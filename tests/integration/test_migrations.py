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


def test_queued_chat_deliveries_are_renamed_accepted_and_back(tmp_path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    now = {"now": "2026-12-01 10:00:00"}
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO accounts (id, name, created_at) VALUES ('acct_1', 'A', :now)"), now
        )
        connection.execute(
            text(
                "INSERT INTO studios (id, account_id, name, auto_go_live, stream_state, "
                "created_at, updated_at) VALUES ('studio_1', 'acct_1', 'S', 0, 'offline', "
                ":now, :now)"
            ),
            now,
        )
        connection.execute(
            text(
                "INSERT INTO chat_messages (id, account_id, studio_id, direction, author_name, "
                "text, created_at) VALUES ('msg_1', 'acct_1', 'studio_1', 'outbound', 'A', 'hi', "
                ":now)"
            ),
            now,
        )
        for outbox_id, status in (("dlv_1", "pending"), ("dlv_2", "sent")):
            connection.execute(
                text(
                    "INSERT INTO chat_outbox (id, message_id, platform, status, attempts, "
                    "created_at, updated_at) VALUES (:id, 'msg_1', 'twitch', :status, 0, "
                    ":now, :now)"
                ),
                {"id": outbox_id, "status": status, **now},
            )

    def statuses() -> list[str]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status FROM chat_outbox ORDER BY id"))
            return [row[0] for row in rows]

    migrate.upgrade(url, "0011")
    assert statuses() == ["accepted", "sent"]
    migrate.downgrade(url, "0008")
    assert statuses() == ["pending", "sent"]
    engine.dispose()
