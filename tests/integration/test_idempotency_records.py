"""The idempotency records and row versions against the real database (SQLite, or PostgreSQL
under `make test-postgres`): the effect and its record commit together, a taken-over
reservation's late commit changes nothing, and a versioned row changed between read and write
is a 412 with If-Match and a retry without it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from server.domain.clock import utcnow
from server.domain.conditional import current_if_match, parse_entity_tags
from server.domain.errors import IdempotencyInProgress, PreconditionFailed
from server.domain.idempotency import IdempotencyBinding, current_idempotency
from server.services.idempotency import IdempotencyService
from server.storage.idempotency_repository import APPLIED, IN_PROGRESS
from server.storage.models import IdempotencyRecord, Studio


def studios(services) -> int:
    with services.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Studio)).scalar_one()


def record_state(services, record_id: str) -> str | None:
    with services.engine.connect() as connection:
        return connection.execute(
            select(IdempotencyRecord.state).where(IdempotencyRecord.id == record_id)
        ).scalar_one_or_none()


def bound(binding: IdempotencyBinding):
    class Bound:
        def __enter__(self):
            self.token = current_idempotency.set(binding)

        def __exit__(self, *exc):
            current_idempotency.reset(self.token)

    return Bound()


def test_the_first_commit_marks_the_record_applied_in_its_own_transaction(services, tenant):
    binding = services.idempotency.begin(tenant.key_id, "POST", "/v1/studios", "k", "f" * 64)
    assert isinstance(binding, IdempotencyBinding)
    assert record_state(services, binding.record_id) == IN_PROGRESS
    with bound(binding):
        services.studios.create(tenant.account_id, "Show", False)
    assert binding.applied and record_state(services, binding.record_id) == APPLIED
    assert studios(services) == 1


def test_a_failed_change_leaves_the_reservation_in_progress(services, tenant):
    binding = services.idempotency.begin(tenant.key_id, "POST", "/v1/studios", "k", "f" * 64)
    with bound(binding), pytest.raises(RuntimeError), services.unit_of_work() as uow:
        uow.studios.add(
            Studio(
                id="studio_x",
                account_id=tenant.account_id,
                name="x",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        uow.flush()
        raise RuntimeError("crash before commit")
    assert not binding.applied and record_state(services, binding.record_id) == IN_PROGRESS
    assert studios(services) == 0


def test_a_taken_over_reservation_cannot_commit_its_change(services, tenant):
    """The first holder is slow past its lock; a retry takes the reservation over. When the
    first holder finally commits, its conditional `applied` update matches nothing and its
    unit of work rolls back: never two effects."""
    slow = IdempotencyService(services.unit_of_work, clock=lambda: utcnow() - timedelta(minutes=5))
    first = slow.begin(tenant.key_id, "POST", "/v1/studios", "k", "f" * 64)
    second = services.idempotency.begin(tenant.key_id, "POST", "/v1/studios", "k", "f" * 64)
    assert isinstance(first, IdempotencyBinding) and isinstance(second, IdempotencyBinding)
    assert second.record_id == first.record_id and second.lock_token != first.lock_token
    with bound(first), pytest.raises(IdempotencyInProgress):
        services.studios.create(tenant.account_id, "Late", False)
    assert studios(services) == 0
    with bound(second):
        services.studios.create(tenant.account_id, "Retry", False)
    assert studios(services) == 1


def test_a_change_between_read_and_write_is_412_with_if_match(services, tenant):
    studio = services.studios.create(tenant.account_id, "Show", False)
    original = services.unit_of_work

    class Interleaving:
        """A unit of work factory whose first unit of work sees another writer commit right
        after it read the studio (between the If-Match check and the write)."""

        done = False

        def __call__(self):
            uow = original()
            real_get = None

            def enter():
                nonlocal real_get
                entered = type(uow).__enter__(uow)
                real_get = entered.studios.get

                def get(account_id, studio_id):
                    row = real_get(account_id, studio_id)
                    if not Interleaving.done:
                        Interleaving.done = True
                        bump_elsewhere(services, studio_id)
                    return row

                entered.studios.get = get
                return entered

            uow.__enter__ = enter  # type: ignore[method-assign]
            return _Wrapper(uow, enter)

    from server.services.studios import StudioService

    racing = StudioService(Interleaving())
    token = current_if_match.set(parse_entity_tags('"1"'))
    try:
        with pytest.raises(PreconditionFailed):
            racing.update(tenant.account_id, studio.id, name="Mine")
    finally:
        current_if_match.reset(token)
    with services.unit_of_work() as uow:
        row = uow.studios.get(tenant.account_id, studio.id)
        assert row is not None and row.name == "Theirs" and row.version == 2

    Interleaving.done = False  # without If-Match: the call runs again on fresh data
    updated = racing.update(tenant.account_id, studio.id, name="Mine")
    assert updated.name == "Mine" and updated.version == 4


class _Wrapper:
    def __init__(self, uow, enter):
        self._uow, self._enter = uow, enter

    def __enter__(self):
        return self._enter()

    def __exit__(self, *exc):
        return type(self._uow).__exit__(self._uow, *exc)


def bump_elsewhere(services, studio_id: str) -> None:
    """Another writer, on its own connection, in its own thread (SQLite holds one writer)."""

    def write():
        with services.engine.begin() as connection:
            connection.execute(
                update(Studio)
                .where(Studio.id == studio_id)
                .values(name="Theirs", version=Studio.version + 1)
            )

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=10)
