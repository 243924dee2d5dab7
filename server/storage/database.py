"""Engine and session factory. One engine per process; one session per unit of work."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    InvalidRequestError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from server.storage.files import private_sqlite_file
from server.storage.stall_guard import StallGuard

# A statement the server stops at statement_timeout still needs its error to travel back.
ROUND_TRIP_MARGIN_SECONDS = 0.5


def make_engine(
    database_url: str,
    timeout_seconds: float = 5.0,
    statement_timeout_seconds: float = 5.0,
    *,
    sqlite_synchronous: str = "FULL",
) -> Engine:
    """`sqlite_synchronous` is a benchmark lever (NORMAL trades durability of the last
    commits on power loss for speed); the server always runs with SQLite's FULL."""
    if database_url.startswith("sqlite"):
        if sqlite_synchronous not in ("FULL", "NORMAL"):
            raise ValueError("sqlite_synchronous is FULL or NORMAL")
        private_sqlite_file(database_url)
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection)
            dbapi_connection.execute(f"PRAGMA synchronous={sqlite_synchronous}")

        return engine
    # A connection the server dropped (restart, pg_terminate_backend, failover) or that went
    # silent (a partition) is noticed at checkout by a ping with a deadline and replaced, so the
    # pool heals without a restart; every statement and commit has a deadline too
    # (server/storage/stall_guard.py). connect_timeout / pool_timeout: a request never waits
    # for a connection longer than this; then it answers 503 (server/http/errors.py).
    # Keepalives and tcp_user_timeout let the kernel give up on a peer that stopped
    # acknowledging; statement_timeout stops a statement the server itself is slow to finish.
    connect_seconds = max(2, math.ceil(timeout_seconds))
    engine = create_engine(
        database_url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=timeout_seconds,
        connect_args={
            "connect_timeout": connect_seconds,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": connect_seconds * 1000,
            "options": f"-c statement_timeout={int(statement_timeout_seconds * 1000)}",
        },
    )
    StallGuard(
        round_trip_seconds=statement_timeout_seconds + ROUND_TRIP_MARGIN_SECONDS,
        ping_seconds=timeout_seconds / 2,
    ).install(engine)
    return engine


# What the pool raises, as a plain InvalidRequestError, when every checkout attempt found a
# dead connection (SQLAlchemy's _ConnectionFairy._checkout): connections cut during a failover.
POOL_GAVE_UP = "This connection is closed"


def database_unavailable(exc: SQLAlchemyError) -> bool:
    """The database cannot be reached or the connection broke (not a bug in a query)."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(exc, InvalidRequestError) and str(exc).startswith(POOL_GAVE_UP):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
