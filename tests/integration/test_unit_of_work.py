"""The unit of work against the real database: nothing is written unless committed, and a
failure half-way leaves nothing behind."""

from __future__ import annotations

import pytest

from server.domain.clock import utcnow
from server.storage.models import Studio


def studio(account_id: str, studio_id: str) -> Studio:
    now = utcnow()
    return Studio(
        id=studio_id,
        account_id=account_id,
        name=studio_id,
        auto_go_live=False,
        stream_state="offline",
        created_at=now,
        updated_at=now,
    )


def test_what_is_not_committed_is_not_written(services, tenant):
    with services.unit_of_work() as uow:
        uow.studios.add(studio(tenant.account_id, "studio_uncommitted"))
        uow.flush()
    with services.unit_of_work() as uow:
        assert uow.studios.get(tenant.account_id, "studio_uncommitted") is None


def test_a_failure_half_way_leaves_nothing_behind(services, tenant):
    with pytest.raises(RuntimeError), services.unit_of_work() as uow:
        uow.studios.add(studio(tenant.account_id, "studio_half"))
        uow.flush()
        raise RuntimeError("the second write failed")
    with services.unit_of_work() as uow:
        assert uow.studios.get(tenant.account_id, "studio_half") is None


def test_what_is_committed_is_seen_by_the_next_unit_of_work(services, tenant):
    with services.unit_of_work() as uow:
        uow.studios.add(studio(tenant.account_id, "studio_kept"))
        uow.commit()
    with services.unit_of_work() as uow:
        assert uow.studios.get(tenant.account_id, "studio_kept").name == "studio_kept"
