from alembic import context
from sqlalchemy import create_engine, pool

from server.storage.models import Base

config = context.config
database_url = config.attributes["database_url"]


def run_migrations() -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=database_url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
