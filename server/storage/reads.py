"""The read path on prebuilt SQLAlchemy Core statements over a plain connection: no session, no
unit of work, no ORM identity map. Each statement is built once (at import) and selects the whole
table (`Model.__table__`), so every column, one added later included, comes back as an attribute
of the row under the same name the ORM object has: presenters read `row.attr` either way.

Rows are SQLAlchemy `Row`s: read-only, typed here as the model they mirror (the services hand
them to presenters, which only read). Writes keep the ORM and the unit of work
(server/services/unit_of_work.py).

On SQLite the thread that reads (the event loop's: reads run inline there) keeps its read
connection instead of checking one out of the pool per read (half a get's database time; at
most MAX_KEPT threads keep one, the others check out per read): pysqlite opens a transaction
only before a write, so a connection that only reads holds no snapshot between statements and
every read sees what was committed before it (WAL mode). A connection that failed is dropped,
and the next read opens a new one. On PostgreSQL a connection is checked out per read (a kept
one would keep its server session busy, and the pool's pre-ping heals cut connections)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Connection, Engine, bindparam, select

from server.domain.pagination import PageRequest
from server.storage.models import Studio

_studios = Studio.__table__
_STUDIO_BY_ID = select(_studios).where(
    _studios.c.account_id == bindparam("account_id"), _studios.c.id == bindparam("id")
)
_STUDIO_FIRST_PAGE = (
    select(_studios)
    .where(_studios.c.account_id == bindparam("account_id"))
    .order_by(_studios.c.id)
    .limit(bindparam("limit"))
)
_STUDIO_PAGE_AFTER = (
    select(_studios)
    .where(_studios.c.account_id == bindparam("account_id"), _studios.c.id > bindparam("after"))
    .order_by(_studios.c.id)
    .limit(bindparam("limit"))
)


def keyset_params(account_id: str, request: PageRequest) -> dict[str, Any]:
    """At most limit + 1 rows after `after_id` (the extra row only tells that another page
    exists), as the ORM's keyset_page reads them."""
    return {"account_id": account_id, "after": request.after_id, "limit": request.limit + 1}


# Kept connections hold pool slots for good: at most this many threads keep one (the event
# loop's, where reads run inline, is the one that matters); reads on any other thread check
# one out per read, so a thread pool full of readers cannot drain the pool.
MAX_KEPT = 2


class _Kept:
    """A thread's kept connection; returned to the pool when the thread ends (its locals go)."""

    def __init__(self, connection: Connection, owner: ReadConnections) -> None:
        self.connection = connection
        self._owner = owner

    def __del__(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: S110 - best effort: the database may be gone already
            pass
        finally:
            self._owner.released()


class ReadConnections:
    """A connection to read on: the thread's own on SQLite, one from the pool elsewhere."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._keep = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kept = 0

    def released(self) -> None:
        with self._lock:
            self._kept -= 1

    def _claim(self) -> bool:
        with self._lock:
            if self._kept >= MAX_KEPT:
                return False
            self._kept += 1
            return True

    @contextmanager
    def __call__(self) -> Iterator[Connection]:
        kept: _Kept | None = getattr(self._local, "kept", None) if self._keep else None
        if kept is not None and (kept.connection.closed or kept.connection.invalidated):
            kept = self._local.kept = None
        if kept is None and self._keep and self._claim():
            try:
                connection = self._engine.connect()
            except BaseException:
                self.released()
                raise
            kept = self._local.kept = _Kept(connection, self)
        if kept is None:
            with self._engine.connect() as checked_out:
                yield checked_out
            return
        try:
            yield kept.connection
        except BaseException:
            self._local.kept = None  # closed by _Kept.__del__
            raise


class StudioReads:
    def __init__(self, engine: Engine) -> None:
        self._connect = ReadConnections(engine)

    def get(self, account_id: str, studio_id: str) -> Studio | None:
        with self._connect() as connection:
            row = connection.execute(
                _STUDIO_BY_ID, {"account_id": account_id, "id": studio_id}
            ).first()
        return cast(Studio | None, row)

    def page(self, account_id: str, request: PageRequest) -> list[Studio]:
        statement = _STUDIO_FIRST_PAGE if request.after_id is None else _STUDIO_PAGE_AFTER
        with self._connect() as connection:
            rows = connection.execute(statement, keyset_params(account_id, request)).all()
        return cast(list[Studio], rows)
