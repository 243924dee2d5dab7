"""Alembic, driven from code (`trax db upgrade`, tests): no alembic.ini to keep in step."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from server.storage.files import private_sqlite_file
from server.storage.sealed_secrets import SecretKeyring

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str, secret_keyring: SecretKeyring | None = None) -> Config:
    """`secret_keyring`: what migrations that seal or open secrets use (unset: the keyring of
    the settings in the environment)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    config.attributes["secret_keyring"] = secret_keyring
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def upgrade(
    database_url: str, revision: str = "head", secret_keyring: SecretKeyring | None = None
) -> None:
    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url, secret_keyring), revision)


def downgrade(
    database_url: str, revision: str = "base", secret_keyring: SecretKeyring | None = None
) -> None:
    command.downgrade(alembic_config(database_url, secret_keyring), revision)
