"""The test database: TRAX_DATABASE_URL when given (PostgreSQL in CI), else a SQLite file."""

from __future__ import annotations

from sqlalchemy import Engine, text

from server.storage import migrate
from server.storage.models import Base


def reset_schema(database_url: str, engine: Engine) -> None:
    """Drops everything, then builds the schema the way production does: with the migrations."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(database_url)


def truncate_all(engine: Engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
