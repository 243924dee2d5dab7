"""The Core read path (server/storage/reads.py): the same rows the ORM reads, under the same
attribute names, and on SQLite a kept read connection that never serves a stale answer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect as sqlalchemy_inspect

from server.domain.pagination import PageRequest
from server.storage.models import Studio
from server.storage.reads import StudioReads


def test_core_rows_carry_every_column_under_the_orm_attribute_names(services, tenant):
    created = services.studios.create(tenant.account_id, name="Core", auto_go_live=True)
    row = StudioReads(services.engine).get(tenant.account_id, created.id)
    for attribute in sqlalchemy_inspect(Studio).column_attrs:
        assert getattr(row, attribute.key) == getattr(created, attribute.key), attribute.key
    assert StudioReads(services.engine).get("acc_other", created.id) is None


def test_a_kept_read_connection_sees_each_commit(services, tenant):
    reads = StudioReads(services.engine)
    studio = services.studios.create(tenant.account_id, name="Before", auto_go_live=False)
    assert reads.get(tenant.account_id, studio.id).name == "Before"
    services.studios.update(tenant.account_id, studio.id, name="After")
    assert reads.get(tenant.account_id, studio.id).name == "After"
    more = [services.studios.create(tenant.account_id, f"n{i}", False).id for i in range(3)]
    page = reads.page(tenant.account_id, PageRequest(limit=10, after_id=None))
    assert [r.id for r in page] == sorted([studio.id, *more])
    # Another thread reads on a connection of its own, and sees the same.
    seen = []
    thread = threading.Thread(target=lambda: seen.append(reads.get(tenant.account_id, studio.id)))
    thread.start()
    thread.join()
    assert seen[0].name == "After"


def test_a_thread_pool_of_readers_keeps_at_most_a_few_connections(services, tenant):
    from server.storage.reads import MAX_KEPT

    reads = StudioReads(services.engine)
    studio = services.studios.create(tenant.account_id, name="Many", auto_go_live=False)
    all_reading = threading.Barrier(8)
    names = []

    def read() -> None:
        names.append(reads.get(tenant.account_id, studio.id).name)
        all_reading.wait(timeout=10)  # every thread alive at once, each after its read

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert names == ["Many"] * 8
    assert reads._connect._kept <= MAX_KEPT
    del threads
    import gc

    gc.collect()
    assert reads._connect._kept == 0  # the threads ended: their connections went back


def test_direct_execution_reads_exactly_what_core_reads(services, tenant):
    """On SQLite the prepared statements run on the sqlite3 connection (direct); the records
    equal Core's, types included (aware UTC datetimes, booleans, None)."""
    for index in range(3):
        services.studios.create(tenant.account_id, name=f"Same {index}", auto_go_live=index == 1)
    direct, core = StudioReads(services.engine), StudioReads(services.engine, direct=False)
    request = PageRequest(limit=10, after_id=None)
    page = direct.page(tenant.account_id, request)
    assert page == core.page(tenant.account_id, request) and len(page) == 3
    after = PageRequest(limit=1, after_id=page[0].id)
    assert direct.page(tenant.account_id, after) == core.page(tenant.account_id, after)
    assert [type(value) for value in page[1]] == [
        type(value) for value in core.get(tenant.account_id, page[1].id)
    ]
    assert page[1].auto_go_live is True and page[0].created_at.tzinfo is UTC


def test_the_stream_status_reader_answers_as_the_unit_of_work(services, tenant):
    from server.services.stream import UnitOfWorkStatusReader
    from server.storage.reads import StreamStatusReads

    studio = services.studios.create(tenant.account_id, name="Status", auto_go_live=False)
    now = datetime.now(UTC)
    with services.unit_of_work() as uow, StreamStatusReads(services.engine).reading() as reader:
        reference = UnitOfWorkStatusReader(uow)
        assert reader.studio(tenant.account_id, studio.id).id == studio.id
        assert reader.studio("acc_other", studio.id) is None
        assert reader.destinations(tenant.account_id, studio.id) == []
        assert reader.available_protocols(now) == reference.available_protocols(now)
        assert reader.lease_holder(studio.id, now) is None
        assert reader.unowned_since(studio.id, now) is None


def test_a_database_error_on_a_direct_read_leaves_as_sqlalchemys(services, tenant, tmp_path):
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import DBAPIError

    from server.storage.reads import PreparedSelect, record_type

    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables at all
    statement = PreparedSelect(
        select(Studio.__table__), engine.dialect, record_type(Studio), direct=True
    )
    with engine.connect() as connection, pytest.raises(DBAPIError, match="no such table"):
        statement.rows(connection, {})


@pytest.mark.postgres
def test_postgres_reads_run_in_autocommit_and_leave_writes_transactional(services, tenant):
    """A read's connection is in autocommit (one round trip per statement); the same pooled
    connection, back in a unit of work, is transactional again: a rolled-back write is gone."""
    from sqlalchemy import text

    from server.storage.reads import ReadConnections

    reads = ReadConnections(services.engine)
    with reads() as connection:
        used = connection.connection.dbapi_connection
        assert used is not None and used.autocommit is True
    seen = []
    for _ in range(services.engine.pool.size() + 2):  # until the read's connection comes back
        with services.engine.connect() as connection:
            seen.append(connection.connection.dbapi_connection)
            assert seen[-1].autocommit is False
            connection.execute(
                text("UPDATE accounts SET name = 'rolled back' WHERE id = :id"),
                {"id": tenant.account_id},
            )
            connection.rollback()
    with reads() as connection:
        name = connection.execute(
            text("SELECT name FROM accounts WHERE id = :id"), {"id": tenant.account_id}
        ).scalar_one()
    assert name != "rolled back"
    assert any(connection is used for connection in seen)


def test_a_prepared_insert_writes_what_core_writes_in_the_unit_of_works_transaction(
    services, tenant
):
    """The studio INSERT (server/storage/prepared.py) runs in the unit of work's transaction:
    directly on SQLite and through Core elsewhere, the stored row is the one Core's INSERT
    stores, and a unit of work that does not commit leaves nothing behind."""
    from sqlalchemy import insert

    from server.storage.prepared import PreparedInsert

    table = Studio.__table__
    columns = [column.key for column in table.columns]
    now = datetime.now(UTC)
    rows = {}
    for label, direct in (("direct", True), ("core", False)):
        prepared = PreparedInsert(insert(table), services.engine.dialect, columns, direct=direct)
        if direct and services.engine.dialect.name != "sqlite":
            continue
        values = {
            **{key: None for key in columns},
            "id": f"studio_prepared{label}",
            "account_id": tenant.account_id,
            "name": f"Prepared {label}",
            "auto_go_live": True,
            "stream_state": "offline",
            "stream_generation": 0,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        with services.unit_of_work() as uow:
            prepared.run(uow.session.connection(), {**values, "id": values["id"] + "_gone"})
        with services.unit_of_work() as uow:
            prepared.run(uow.session.connection(), values)
            uow.commit()
        reads = StudioReads(services.engine, direct=False)
        assert reads.get(tenant.account_id, values["id"] + "_gone") is None
        rows[label] = reads.get(tenant.account_id, values["id"])
    core = rows["core"]._replace(id="x", name="x")
    assert all(row._replace(id="x", name="x") == core for row in rows.values())
    assert core.created_at == now and core.auto_go_live is True


def test_a_database_error_on_a_direct_insert_leaves_as_sqlalchemys(services, tenant):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from server.storage.prepared import PreparedInsert

    studio = services.studios.create(tenant.account_id, name="Taken", auto_go_live=False)
    table = Studio.__table__
    prepared = PreparedInsert(insert(table), services.engine.dialect, ["id", "account_id"])
    with services.unit_of_work() as uow, pytest.raises(IntegrityError):
        prepared.run(uow.session.connection(), {"id": studio.id, "account_id": tenant.account_id})
