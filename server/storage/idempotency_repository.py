"""The Idempotency-Key records' queries (server/services/idempotency.py owns the protocol). Every
write after the reservation is conditional on the holder's lock token, so a request whose
reservation was taken over changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, select, update
from sqlalchemy.orm import Session

from server.storage.models import IdempotencyRecord

IN_PROGRESS, APPLIED, COMPLETED = "in_progress", "applied", "completed"


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: IdempotencyRecord) -> None:
        self.session.add(record)

    def find(self, api_key_id: str, method: str, path: str, key: str) -> IdempotencyRecord | None:
        return self.session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key_id,
                IdempotencyRecord.method == method,
                IdempotencyRecord.path == path,
                IdempotencyRecord.idempotency_key == key,
            )
        ).one_or_none()

    def delete_if_expired(self, record_id: str, now: datetime) -> None:
        self.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == record_id, IdempotencyRecord.expires_at <= now
            )
        )

    def take_over(
        self, record_id: str, old_token: str, new_token: str, now: datetime, until: datetime
    ) -> bool:
        """A reservation whose holder is gone (lock expired, nothing applied) changes hands."""
        result = self.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record_id,
                IdempotencyRecord.lock_token == old_token,
                IdempotencyRecord.state == IN_PROGRESS,
                IdempotencyRecord.locked_until <= now,
            )
            .values(lock_token=new_token, locked_until=until)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    def mark_applied(self, record_id: str, token: str) -> bool:
        """In the transaction of the request's first change: False if the reservation is no
        longer this request's (then that transaction must not commit)."""
        result = self.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record_id,
                IdempotencyRecord.lock_token == token,
                IdempotencyRecord.state.in_((IN_PROGRESS, APPLIED)),
            )
            .values(state=APPLIED)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    def complete(self, record_id: str, token: str, status: int, headers: str, body: bytes) -> None:
        self.session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id, IdempotencyRecord.lock_token == token)
            .values(
                state=COMPLETED,
                response_status=status,
                response_headers=headers,
                response_body=body,
            )
            .execution_options(synchronize_session=False)
        )

    def release(self, record_id: str, token: str) -> None:
        """Drops a reservation whose request changed nothing, so a retry may proceed."""
        self.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == record_id,
                IdempotencyRecord.lock_token == token,
                IdempotencyRecord.state == IN_PROGRESS,
            )
        )

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
