"""Alembic, driven from code (`trax db upgrade`, tests): no alembic.ini to keep in step."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from server.storage.files import private_sqlite_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
