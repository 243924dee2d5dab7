"""A deadline on every round trip to PostgreSQL, for the link that stalls instead of failing.

A database that restarts or fails over with a reset is noticed at once. One that goes silent
(a partition, a failover without RST, a proxy that stops forwarding) is not: the kernel may
keep acknowledging what we send, no keepalive or `tcp_user_timeout` fires, and libpq waits on
the socket for ever. So each statement, commit and ping is armed with a deadline, and a single
watchdog thread shuts the socket of a connection that outlives its deadline: the blocked call
then fails as a lost connection, which the pool replaces and the API answers with 503.

Arming is a dictionary write (no thread or timer per statement); the watchdog wakes a few
times a second.

A connection is pinged at checkout unless it was checked in less than ALIVE_BYPASS_SECONDS ago
(HikariCP's `aliveBypassWindowMs`, 500 ms by default there too): under load nearly every
checkout finds a connection that has just answered, and its ping was a round trip per request
(a fifth of a PostgreSQL get's CPU, `make bench`). A connection that died within the window
fails at its first statement, as a lost connection: the pool replaces it, a read runs once more
(server/http/read_retry.py) and a write answers 503, as for a connection cut mid-request."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event, exc

logger = logging.getLogger("trax.database")

WATCH_INTERVAL_SECONDS = 0.1
ALIVE_BYPASS_SECONDS = 0.5
# Where a connection record keeps when it was last checked in (cleared with the connection).
_CHECKED_IN = "trax_checked_in"


def _waiting_for_the_server(dbapi_connection: Any) -> bool:
    """A command is in flight (libpq's PQTRANS_ACTIVE): an idle connection whose deadline
    passed (armed by a commit, then kept) is left alone."""
    return bool(dbapi_connection.pgconn.transaction_status == TransactionStatus.ACTIVE)


def _shut_socket(dbapi_connection: Any) -> None:
    """Shuts the connection's socket down for reading and writing: every fd of it, libpq's
    included, sees the connection end, so a call blocked on it returns."""
    fd = dbapi_connection.pgconn.socket
    with socket.socket(fileno=os.dup(fd)) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class StallGuard:
    def __init__(
        self,
        round_trip_seconds: float,
        ping_seconds: float,
        alive_bypass_seconds: float | None = None,
    ) -> None:
        self.round_trip_seconds = round_trip_seconds
        self.ping_seconds = ping_seconds
        self.alive_bypass_seconds = (
            ALIVE_BYPASS_SECONDS if alive_bypass_seconds is None else alive_bypass_seconds
        )
        self._deadlines: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> None:
        with self._lock:
            self._deadlines[id(dbapi_connection)] = (time.monotonic() + seconds, dbapi_connection)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="db-stall-guard", daemon=True
                )
                self._thread.start()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._deadlines.pop(id(dbapi_connection), None)

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL_SECONDS)
            now = time.monotonic()
            with self._lock:
                expired = [c for deadline, c in self._deadlines.values() if deadline <= now]
                for dbapi_connection in expired:
                    del self._deadlines[id(dbapi_connection)]
            for dbapi_connection in expired:
                with contextlib.suppress(Exception):
                    if _waiting_for_the_server(dbapi_connection):
                        logger.warning(
                            "the database did not answer in time; dropping the connection"
                        )
                        _shut_socket(dbapi_connection)

    def ping(self, dbapi_connection: Any) -> None:
        """SQLAlchemy's pessimistic disconnect handling, with a deadline: a connection that
        does not answer a ping is discarded and the pool tries another (or a new one)."""
        self.arm(dbapi_connection, self.ping_seconds)
        try:
            # In autocommit: one round trip (in a transaction psycopg would send BEGIN, the
            # SELECT and the ROLLBACK one after another). The connection is idle at checkout.
            dbapi_connection.autocommit = True
            try:
                dbapi_connection.execute("SELECT 1")
            finally:
                dbapi_connection.autocommit = False
        except Exception as error:
            raise exc.DisconnectionError("the connection did not answer a ping") from error
        finally:
            self.disarm(dbapi_connection)

    def install(self, engine: Engine) -> None:
        # SQLAlchemy's event hooks hand over driver-level objects: typed Any on purpose.
        def before_execute(
            conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
        ) -> None:
            self.arm(cursor.connection, self.round_trip_seconds)

        def after_execute(
            conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
        ) -> None:
            self.disarm(cursor.connection)

        def on_error(context: Any) -> None:
            cursor = getattr(context.execution_context, "cursor", None)
            if cursor is not None:
                self.disarm(cursor.connection)

        def before_commit(conn: Any) -> None:
            if conn.invalidated:  # nothing goes over the wire (and .connection would raise)
                return
            dbapi_connection = conn.connection.dbapi_connection
            if dbapi_connection is not None:
                self.arm(dbapi_connection, self.round_trip_seconds)

        def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            checked_in = record.info.get(_CHECKED_IN)
            if checked_in is None or time.monotonic() - checked_in >= self.alive_bypass_seconds:
                self.ping(dbapi_connection)

        def on_reset(dbapi_connection: Any, record: Any, reset_state: Any) -> None:
            # The pool's rollback on return goes over the wire without a Connection event.
            self.arm(dbapi_connection, self.round_trip_seconds)

        def on_checkin(dbapi_connection: Any, record: Any) -> None:
            if dbapi_connection is not None:
                self.disarm(dbapi_connection)
                record.info[_CHECKED_IN] = time.monotonic()

        event.listen(engine, "before_cursor_execute", before_execute)
        event.listen(engine, "after_cursor_execute", after_execute)
        event.listen(engine, "handle_error", on_error)
        event.listen(engine, "commit", before_commit)
        event.listen(engine, "rollback", before_commit)
        event.listen(engine.pool, "checkout", on_checkout)
        event.listen(engine.pool, "reset", on_reset)
        event.listen(engine.pool, "checkin", on_checkin)
