"""The stream state machine (server/services/stream.py) over the in-memory unit of work and a
scripted engine: every branch of go-live and go-offline, no database, no HTTP."""

from __future__ import annotations

import pytest

from server.domain.errors import Conflict, ErrorCode
from server.services.stream import StreamService
from tests.support.fakes import PlainStreamKeys, ScriptedEngine, Store, fake_unit_of_work

ACCOUNT = "acc_1"


@pytest.fixture
def store() -> Store:
    store = Store()
    store.add_studio("studio_1", ACCOUNT)
    store.add_destination("dst_1", "studio_1")
    return store


def service(store: Store, engine: ScriptedEngine) -> StreamService:
    return StreamService(fake_unit_of_work(store), engine, PlainStreamKeys())  # type: ignore[arg-type]


def test_go_live_goes_live_when_the_engine_says_so(store):
    engine = ScriptedEngine()
    view = service(store, engine).go_live(ACCOUNT, "studio_1")
    assert view.studio.stream_state == "live"
    assert store.destinations["dst_1"].output_state == "live"
    assert [t[1:] for t in store.transitions] == [("offline", "starting"), ("starting", "live")]
    assert engine.calls == [("start", "studio_1")]


def test_a_studio_that_is_stopping_is_busy(store):
    store.studios["studio_1"].stream_state = "stopping"
    engine = ScriptedEngine()
    with pytest.raises(Conflict) as refused:
        service(store, engine).go_live(ACCOUNT, "studio_1")
    assert refused.value.code == ErrorCode.STREAM_BUSY
    assert engine.calls == [] and store.transitions == []


def test_go_live_without_an_enabled_destination_is_refused(store):
    store.destinations["dst_1"].enabled = False
    with pytest.raises(Conflict) as refused:
        service(store, ScriptedEngine()).go_live(ACCOUNT, "studio_1")
    assert refused.value.code == ErrorCode.NO_ENABLED_DESTINATION


def test_an_enabled_destination_without_a_key_is_refused(store):
    store.destinations["dst_1"].stream_key = None
    with pytest.raises(Conflict) as refused:
        service(store, ScriptedEngine()).go_live(ACCOUNT, "studio_1")
    assert refused.value.code == ErrorCode.DESTINATION_MISSING_STREAM_KEY
    assert store.studios["studio_1"].stream_state == "offline"


def test_taken_offline_while_starting_stops_the_engine(store):
    """Another request moves the studio on while the engine starts: go-live's second
    transition (starting -> live) loses, and the engine must not keep running."""

    def another_request_takes_it_offline():
        store.studios["studio_1"].stream_state = "offline"

    engine = ScriptedEngine(during_start=another_request_takes_it_offline)
    view = service(store, engine).go_live(ACCOUNT, "studio_1")
    assert engine.calls == [("start", "studio_1"), ("stop", "studio_1")]
    assert view.studio.stream_state == "offline"
    assert ("starting", "live") not in [t[1:] for t in store.transitions]


def test_an_engine_that_fails_leaves_the_studio_errored(store):
    engine = ScriptedEngine(fails_with=RuntimeError("no media plane"))
    view = service(store, engine).go_live(ACCOUNT, "studio_1")
    assert view.studio.stream_state == "errored"
    assert store.studios["studio_1"].stream_started_at is None
    assert store.destinations["dst_1"].output_state == "errored"


def test_an_asynchronous_engine_leaves_the_studio_starting_for_its_worker(store):
    engine = ScriptedEngine(asynchronous=True, start_state="starting")
    view = service(store, engine).go_live(ACCOUNT, "studio_1")
    assert view.studio.stream_state == "starting"
    assert store.destinations["dst_1"].output_state == "starting"


def test_go_live_twice_starts_once(store):
    engine = ScriptedEngine()
    service(store, engine).go_live(ACCOUNT, "studio_1")
    service(store, engine).go_live(ACCOUNT, "studio_1")
    assert engine.calls == [("start", "studio_1")]


def test_go_offline_stops_and_resets_the_outputs(store):
    engine = ScriptedEngine()
    stream = service(store, engine)
    stream.go_live(ACCOUNT, "studio_1")
    view = stream.go_offline(ACCOUNT, "studio_1")
    assert view.studio.stream_state == "offline"
    assert store.destinations["dst_1"].output_state == "idle"
    assert engine.calls[-1] == ("stop", "studio_1")
    assert [t[1:] for t in store.transitions][-2:] == [
        ("live", "stopping"),
        ("stopping", "offline"),
    ]


def test_go_offline_of_an_errored_studio_needs_no_engine(store):
    store.studios["studio_1"].stream_state = "errored"
    engine = ScriptedEngine()
    view = service(store, engine).go_offline(ACCOUNT, "studio_1")
    assert view.studio.stream_state == "offline"
    assert engine.calls == []


def test_go_offline_waits_for_the_relay_worker_that_holds_the_studio(store):
    engine = ScriptedEngine(asynchronous=True, start_state="starting")
    stream = service(store, engine)
    stream.go_live(ACCOUNT, "studio_1")
    store.lease_holders["studio_1"] = "worker-1"
    view = stream.go_offline(ACCOUNT, "studio_1")
    assert view.studio.stream_state == "stopping"  # the worker finishes the stop


def test_another_accounts_studio_is_not_found(store):
    from server.domain.errors import NotFound

    with pytest.raises(NotFound):
        service(store, ScriptedEngine()).go_live("acc_other", "studio_1")
