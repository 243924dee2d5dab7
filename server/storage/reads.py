"""The read path on prebuilt SQLAlchemy Core statements over a plain connection: no session, no
unit of work, no ORM identity map. Each statement is built once (at import) and selects the whole
table (`Model.__table__`), so every column, one added later included, comes back as an attribute
of the row under the same name the ORM object has: presenters read `row.attr` either way.

Each statement is compiled once per dialect (`PreparedSelect`, server/storage/prepared.py): on
SQLite it runs on the sqlite3 connection itself, on PostgreSQL through Core.

Rows come back as records: a named tuple per table with the table's columns as fields (the
ORM's attribute names), read-only, typed here as the model they mirror (the services hand them
to presenters, which only read). A field read costs a seventh of a SQLAlchemy `Row` attribute
read, and a list page reads some three hundred. Writes keep the unit of work
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
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, select
from sqlalchemy.engine import Dialect

from server.domain.pagination import PageRequest
from server.storage.models import Destination, IngestNode, RelayLease, Studio
from server.storage.prepared import PreparedSelect, Record

__all__ = ["PreparedSelect", "Record", "StreamStatusReads", "StudioReads", "record_type"]


def record_type(model: type[Any]) -> type[Record]:
    """A named tuple with the model's table columns as fields."""
    table = cast(Table, model.__table__)
    return namedtuple(f"{model.__name__}Record", table.columns.keys())  # noqa: PYI024


def _of_account(table: Table) -> Any:
    return table.c.account_id == bindparam("account_id")


_studios = cast(Table, Studio.__table__)
_destinations = cast(Table, Destination.__table__)
_ingest_nodes = cast(Table, IngestNode.__table__)
_relay_leases = cast(Table, RelayLease.__table__)
_StudioRecord = record_type(Studio)
_DestinationRecord = record_type(Destination)

_STUDIO_BY_ID = select(_studios).where(_of_account(_studios), _studios.c.id == bindparam("id"))
_STUDIO_FIRST_PAGE = (
    select(_studios).where(_of_account(_studios)).order_by(_studios.c.id).limit(bindparam("limit"))
)
_STUDIO_PAGE_AFTER = (
    select(_studios)
    .where(_of_account(_studios), _studios.c.id > bindparam("after"))
    .order_by(_studios.c.id)
    .limit(bindparam("limit"))
)
_STUDIO_DESTINATIONS = (
    select(_destinations)
    .where(_of_account(_destinations), _destinations.c.studio_id == bindparam("studio_id"))
    .order_by(_destinations.c.id)
)
# The relay-lease and ingest queries are the repositories' too (server/storage/repositories.py
# runs them in a unit of work): one statement each, whichever path reads.
AVAILABLE_PROTOCOLS = (
    select(_ingest_nodes.c.protocol)
    .where(_ingest_nodes.c.expires_at >= bindparam("now", type_=_ingest_nodes.c.expires_at.type))
    .distinct()
)
LEASE_HOLDER = select(_relay_leases.c.worker_id).where(
    _relay_leases.c.studio_id == bindparam("studio_id"),
    _relay_leases.c.expires_at >= bindparam("now", type_=_relay_leases.c.expires_at.type),
)
LEASE_EXPIRY = select(_relay_leases.c.expires_at).where(
    _relay_leases.c.studio_id == bindparam("studio_id")
)


def lease_ran_out(expires_at: datetime | None, now: datetime) -> datetime | None:
    """When a studio's last relay lease ran out; None while a worker holds it or if none ever
    has."""
    return expires_at if expires_at is not None and expires_at < now else None


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
        self._keep = engine.dialect.name == "sqlite"
        # Elsewhere in autocommit, on the same pool: a read sends no BEGIN before its statement
        # and no ROLLBACK when its connection goes back, one round trip instead of three. Each
        # statement sees what was committed before it, as at READ COMMITTED.
        self._engine = (
            engine if self._keep else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
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
    def __init__(self, engine: Engine, *, direct: bool | None = None) -> None:
        self._connect = ReadConnections(engine)
        prepared = partial(
            PreparedSelect, dialect=engine.dialect, record=_StudioRecord, direct=direct
        )
        self._by_id = prepared(_STUDIO_BY_ID)
        self._first_page = prepared(_STUDIO_FIRST_PAGE)
        self._page_after = prepared(_STUDIO_PAGE_AFTER)

    def get(self, account_id: str, studio_id: str) -> Studio | None:
        with self._connect() as connection:
            # A string cast: `Studio | None` would build a typing union on every call.
            return cast(
                "Studio | None",
                self._by_id.first(connection, {"account_id": account_id, "id": studio_id}),
            )

    def page(self, account_id: str, request: PageRequest) -> list[Studio]:
        statement = self._first_page if request.after_id is None else self._page_after
        with self._connect() as connection:
            return statement.rows(connection, keyset_params(account_id, request))


class StreamStatusReader:
    """What a studio's stream status is made of, read on one connection: the studio, its
    destinations, the running ingests' protocols and the studio's relay lease
    (server/services/stream.py reads the same through a unit of work when it writes)."""

    def __init__(self, connection: Connection, statements: _StreamStatements) -> None:
        self._connection = connection
        self._statements = statements

    def studio(self, account_id: str, studio_id: str) -> Studio | None:
        found = self._statements.studio.first(
            self._connection, {"account_id": account_id, "id": studio_id}
        )
        return cast("Studio | None", found)

    def destinations(self, account_id: str, studio_id: str) -> list[Destination]:
        return self._statements.destinations.rows(
            self._connection, {"account_id": account_id, "studio_id": studio_id}
        )

    def available_protocols(self, now: datetime) -> frozenset[str]:
        return frozenset(self._statements.protocols.rows(self._connection, {"now": now}))

    def lease_holder(self, studio_id: str, now: datetime) -> str | None:
        holder = self._statements.holder.first(
            self._connection, {"studio_id": studio_id, "now": now}
        )
        return cast("str | None", holder)

    def unowned_since(self, studio_id: str, now: datetime) -> datetime | None:
        expires_at = self._statements.expiry.first(self._connection, {"studio_id": studio_id})
        return lease_ran_out(expires_at, now)


class _StreamStatements:
    def __init__(self, dialect: Dialect) -> None:
        self.studio = PreparedSelect(_STUDIO_BY_ID, dialect, _StudioRecord)
        self.destinations = PreparedSelect(_STUDIO_DESTINATIONS, dialect, _DestinationRecord)
        self.protocols = PreparedSelect(AVAILABLE_PROTOCOLS, dialect, None)
        self.holder = PreparedSelect(LEASE_HOLDER, dialect, None)
        self.expiry = PreparedSelect(LEASE_EXPIRY, dialect, None)


class StreamStatusReads:
    def __init__(self, engine: Engine) -> None:
        self._connect = ReadConnections(engine)
        self._statements = _StreamStatements(engine.dialect)

    @contextmanager
    def reading(self) -> Iterator[StreamStatusReader]:
        with self._connect() as connection:
            yield StreamStatusReader(connection, self._statements)
