"""The Idempotency-Key records' queries (server/services/idempotency.py owns the protocol). Every
write after the reservation is conditional on the holder's lock token, so a request whose
reservation was taken over changes nothing.

The statements are Core, built once with bind parameters and run on the unit of work's session
(its transaction): an idempotent POST runs four of them on the write thread, and the ORM's
per-call statement building, cache-key generation and ORM-enabled DML handling cost more than
the SQL itself (issue 12's profile). A record is read as a row (attribute access by column
name), never tracked by the session."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    Row,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from server.storage.models import IdempotencyRecord

IN_PROGRESS, APPLIED, COMPLETED = "in_progress", "applied", "completed"

_TABLE = cast(Table, IdempotencyRecord.__table__)
_records = _TABLE.c
_FIND = select(_TABLE).where(
    _records.api_key_id == bindparam("api_key_id"),
    _records.method == bindparam("method"),
    _records.path == bindparam("path"),
    _records.idempotency_key == bindparam("key"),
)
_RESERVE = insert(_TABLE)
_DELETE_IF_EXPIRED = delete(_TABLE).where(
    _records.id == bindparam("record_id"), _records.expires_at <= bindparam("now")
)
_TAKE_OVER = (
    update(_TABLE)
    .where(
        _records.id == bindparam("record_id"),
        _records.lock_token == bindparam("old_token"),
        _records.state == IN_PROGRESS,
        _records.locked_until <= bindparam("now"),
    )
    .values(lock_token=bindparam("new_token"), locked_until=bindparam("until"))
)
_MARK_APPLIED = (
    update(_TABLE)
    .where(
        _records.id == bindparam("record_id"),
        _records.lock_token == bindparam("token"),
        _records.state.in_((IN_PROGRESS, APPLIED)),
    )
    .values(state=APPLIED)
)
_COMPLETE = (
    update(_TABLE)
    .where(_records.id == bindparam("record_id"), _records.lock_token == bindparam("token"))
    .values(
        state=COMPLETED,
        response_status=bindparam("status"),
        response_headers=bindparam("headers"),
        response_body=bindparam("body"),
    )
)
_RELEASE = delete(_TABLE).where(
    _records.id == bindparam("record_id"),
    _records.lock_token == bindparam("token"),
    _records.state == IN_PROGRESS,
)


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def reserve(
        self,
        *,
        record_id: str,
        api_key_id: str,
        method: str,
        path: str,
        key: str,
        fingerprint: str,
        lock_token: str,
        locked_until: datetime,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        """Inserts an `in_progress` record; IntegrityError when a concurrent duplicate holds the
        same (API key, method, path, key)."""
        self.session.execute(
            _RESERVE,
            {
                "id": record_id,
                "api_key_id": api_key_id,
                "method": method,
                "path": path,
                "idempotency_key": key,
                "fingerprint": fingerprint,
                "state": IN_PROGRESS,
                "lock_token": lock_token,
                "locked_until": locked_until,
                "created_at": created_at,
                "expires_at": expires_at,
            },
        )

    def find(self, api_key_id: str, method: str, path: str, key: str) -> Row[Any] | None:
        """The record as a row (its columns as attributes), or None."""
        return self.session.execute(
            _FIND, {"api_key_id": api_key_id, "method": method, "path": path, "key": key}
        ).one_or_none()

    def delete_if_expired(self, record_id: str, now: datetime) -> None:
        self.session.execute(_DELETE_IF_EXPIRED, {"record_id": record_id, "now": now})

    def take_over(
        self, record_id: str, old_token: str, new_token: str, now: datetime, until: datetime
    ) -> bool:
        """A reservation whose holder is gone (lock expired, nothing applied) changes hands."""
        result = self.session.execute(
            _TAKE_OVER,
            {
                "record_id": record_id,
                "old_token": old_token,
                "new_token": new_token,
                "now": now,
                "until": until,
            },
        )
        return _rowcount(result) == 1

    def mark_applied(self, record_id: str, token: str) -> bool:
        """In the transaction of the request's first change: False if the reservation is no
        longer this request's (then that transaction must not commit)."""
        result = self.session.execute(_MARK_APPLIED, {"record_id": record_id, "token": token})
        return _rowcount(result) == 1

    def complete(self, record_id: str, token: str, status: int, headers: str, body: bytes) -> None:
        self.session.execute(
            _COMPLETE,
            {
                "record_id": record_id,
                "token": token,
                "status": status,
                "headers": headers,
                "body": body,
            },
        )

    def release(self, record_id: str, token: str) -> None:
        """Drops a reservation whose request changed nothing, so a retry may proceed."""
        self.session.execute(_RELEASE, {"record_id": record_id, "token": token})

    def purge(self, now: datetime, limit: int) -> int:
        ids = list(
            self.session.scalars(
                select(IdempotencyRecord.id)
                .where(IdempotencyRecord.expires_at <= now)
                .order_by(IdempotencyRecord.expires_at)
                .limit(limit)
            )
        )
        if ids:
            self.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
        return len(ids)
