"""The Idempotency-Key protocol (the HTTP side: server/http/idempotency.py).

Why it cannot duplicate an effect, on SQLite and PostgreSQL alike:

1. **Reservation first, committed alone.** Before the handler runs, the request inserts its
   record (`in_progress`, a random lock token, locked for LOCK_SECONDS) and commits. The unique
   key (API key, method, path, Idempotency-Key) lets exactly one of any number of concurrent
   duplicates win the insert; the others see the record and answer 409
   `idempotency_in_progress` (same body) or 422 `idempotency_key_reused` (another body).
2. **The outcome inside the change's own transaction.** A request may use several units of
   work (go-live commits twice around the engine call). The first commit of any of them
   also moves the record to `applied`, conditional on the lock token
   (server/services/unit_of_work.py, through the request-scoped binding). The effect and the
   record forbidding its repetition commit together or not at all, so a crash can leave
   either "nothing done, reservation in_progress" or "effect done, record applied", never
   an effect without its record.
3. **Taking over a dead reservation.** A reservation still `in_progress` after its lock
   expired belongs to a request that changed nothing (it would be `applied` otherwise); a
   retry takes it over by changing the lock token. Should the first request still be running
   and commit after all, its conditional `applied` update matches no row, and that unit of
   work rolls back (409) instead of committing a second effect.
4. **The response last.** When the answer is known it is stored (status, Location and ETag,
   the body bytes) and the record becomes `completed`; repeats replay it. Answers that say
   nothing happened and may be retried (400, 408, 413, 415, and any 5xx) release the
   reservation instead, unless the request had already applied a change: then the record
   stays (`applied`; a 5xx after a change is not replayed, and a repeat answers 409 rather
   than apply the change twice).

Records live 24 hours (RETENTION); `purge` removes expired ones in bounded batches (the
`trax maintenance purge` command and the outbox worker)."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from server.domain.clock import utcnow
from server.domain.errors import IdempotencyInProgress, IdempotencyKeyReused
from server.domain.idempotency import LOCK_SECONDS, RETENTION, IdempotencyBinding
from server.domain.ids import new_id
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.idempotency_repository import COMPLETED, IN_PROGRESS

# Statuses that say the request was refused before anything happened (bad input, too big,
# too slow) or failed on our side: the key is released so that a retry may proceed.
RELEASED_STATUSES = frozenset({400, 408, 413, 415})
# Response headers kept and replayed besides the body (Content-Type: always JSON here; the
# original X-Request-Id, which an error body quotes).
REPLAYED_HEADERS = ("location", "etag", "content-type", "retry-after", "x-request-id")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def stored(status: int, applied: bool) -> bool:
    """Whether a response is kept for replay (see the module's docstring, step 4)."""
    if status >= 500:
        return False
    return applied or status not in RELEASED_STATUSES


class IdempotencyService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def begin(
        self, api_key_id: str, method: str, path: str, key: str, fingerprint: str
    ) -> IdempotencyBinding | StoredResponse:
        """A fresh reservation for this request, or the stored response to replay; raises
        422 (another body) or 409 (still running)."""
        for _ in range(5):
            now = self._clock()
            with self._uow() as uow:
                record = uow.idempotency.find(api_key_id, method, path, key)
                if record is None:
                    binding = IdempotencyBinding(new_id("idem"), secrets.token_hex(16))
                    try:
                        uow.idempotency.reserve(
                            record_id=binding.record_id,
                            api_key_id=api_key_id,
                            method=method,
                            path=path,
                            key=key,
                            fingerprint=fingerprint,
                            lock_token=binding.lock_token,
                            locked_until=now + timedelta(seconds=LOCK_SECONDS),
                            created_at=now,
                            expires_at=now + RETENTION,
                        )
                        uow.commit()
                    except IntegrityError:
                        continue  # a concurrent duplicate reserved it first: read theirs
                    return binding
                if record.expires_at <= now:
                    uow.idempotency.delete_if_expired(record.id, now)
                    uow.commit()
                    continue
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReused()
                if record.state == COMPLETED and record.response_status is not None:
                    return StoredResponse(
                        record.response_status,
                        json.loads(record.response_headers or "[]"),
                        record.response_body or b"",
                    )
                if record.state == IN_PROGRESS and record.locked_until <= now:
                    token = secrets.token_hex(16)
                    until = now + timedelta(seconds=LOCK_SECONDS)
                    if uow.idempotency.take_over(record.id, record.lock_token, token, now, until):
                        uow.commit()
                        return IdempotencyBinding(record.id, token)
                    continue
                wait = (record.locked_until - now).total_seconds()
                raise IdempotencyInProgress(max(1, min(LOCK_SECONDS, math.ceil(wait))))
        raise IdempotencyInProgress()

    def finish(self, binding: IdempotencyBinding, response: StoredResponse) -> None:
        """Stores the response to replay, or releases the key (see `stored`)."""
        with self._uow() as uow:
            if stored(response.status, binding.applied):
                headers = json.dumps(
                    [[k, v] for k, v in response.headers if k.lower() in REPLAYED_HEADERS]
                )
                uow.idempotency.complete(
                    binding.record_id, binding.lock_token, response.status, headers, response.body
                )
            else:
                uow.idempotency.release(binding.record_id, binding.lock_token)
            uow.commit()

    def release(self, binding: IdempotencyBinding) -> None:
        """The request failed without an answer to store: let a retry proceed if nothing was
        applied (an applied record stays, so a retry cannot apply the change again)."""
        with self._uow() as uow:
            uow.idempotency.release(binding.record_id, binding.lock_token)
            uow.commit()

    def purge(self, limit: int = 1000) -> int:
        """Deletes at most `limit` records past their 24 hours."""
        with self._uow() as uow:
            deleted = uow.idempotency.purge(self._clock(), limit)
            uow.commit()
        return deleted
