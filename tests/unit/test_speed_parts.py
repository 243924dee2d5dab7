"""The parts the speed work added, each on its own: single-flight auth lookups, the orjson
encoder's fallback to the stdlib, the handler adapters, and the bench's differential check."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import threading
import time

import anyio
import pytest
from connexion.jsonifier import JSONEncoder

from bench import probes
from server.http import execution
from server.http.json_output import COMPACT, FastJson, compact_jsonifier
from server.http.single_flight import SingleFlight


def test_concurrent_calls_for_one_key_share_one_run():
    runs = []

    async def main():
        flights: SingleFlight[str] = SingleFlight()
        release = asyncio.Event()

        async def lookup(key: str) -> str:
            runs.append(key)
            await release.wait()
            return f"principal of {key}"

        waiting = [
            asyncio.ensure_future(flights.run(key, lambda key=key: lookup(key)))
            for key in ("a", "a", "a", "b")
        ]
        await asyncio.sleep(0)
        assert flights.in_flight == 2
        release.set()
        answers = await asyncio.gather(*waiting)
        assert flights.in_flight == 0
        # Landed: the next call for the same key runs the work again.
        await flights.run("a", lambda: lookup("a"))
        return answers

    answers = asyncio.run(main())
    assert answers == ["principal of a"] * 3 + ["principal of b"]
    assert runs == ["a", "b", "a"]


def test_every_waiter_gets_the_error_and_a_gone_caller_does_not_cancel_the_others():
    async def main():
        flights: SingleFlight[str] = SingleFlight()
        release = asyncio.Event()

        async def failing() -> str:
            await release.wait()
            raise LookupError("no such key")

        first = asyncio.ensure_future(flights.run("k", failing))
        second = asyncio.ensure_future(flights.run("k", failing))
        await asyncio.sleep(0)
        first.cancel()  # its client went away
        await asyncio.sleep(0)
        release.set()
        with pytest.raises(LookupError):
            await second
        assert first.cancelled() and flights.in_flight == 0

    asyncio.run(main())


@pytest.mark.parametrize(
    "data",
    [
        {"data": [{"id": "studio_1", "n": 1, "ok": True, "none": None, "fps": 29.97}]},
        {"name": "Café ☕"},  # non-ASCII: the stdlib's \\u escapes
        {1: "int key"},  # orjson refuses non-string keys
        {"big": 2**70},  # beyond 64 bits
        ["a", 1.5, -0.0, 10**15],
    ],
)
def test_the_encoder_writes_what_the_stdlib_writes(data):
    stdlib = json.dumps(data, cls=JSONEncoder, separators=COMPACT)
    assert FastJson().dumps(data, cls=JSONEncoder, separators=COMPACT) == stdlib
    assert FastJson(fast=None).dumps(data, cls=JSONEncoder, separators=COMPACT) == stdlib
    assert compact_jsonifier().dumps(data) == stdlib + "\n"


def test_the_encoder_falls_back_for_what_only_connexions_encoder_knows():
    from datetime import UTC, datetime

    moment = {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
    assert compact_jsonifier().dumps(moment) == '{"at":"2026-01-02T03:04:05+00:00"}\n'
    assert "\\u00e9" in FastJson().dumps({"a": "é"}, separators=COMPACT)


def test_reads_run_inline_and_writes_on_the_one_worker_thread():
    seen = []

    def handler(principal, studio_id: str, limit: int | None = None):
        seen.append(threading.current_thread())
        return studio_id

    worker = execution.WorkerThread()
    readers = execution.WorkerThread(2, "trax-read")
    threads = {"worker": worker, "readers": readers}
    read = execution.adapter_for("get", handler, inline_reads=True, **threads)
    hopped = execution.adapter_for("get", handler, inline_reads=False, **threads)
    write = execution.adapter_for("post", handler, inline_reads=True, **threads)
    # connexion reads the handler's parameters through the adapter.
    assert inspect.signature(read) == inspect.signature(handler)
    assert all(inspect.iscoroutinefunction(a) for a in (read, hopped, write))

    async def main():
        assert await read(None, "s1") == "s1"
        assert await hopped(None, "s2") == "s2"
        assert await write(None, "s3") == "s3"

    asyncio.run(main())
    assert seen[0] is threading.main_thread()
    assert seen[1].name.startswith("trax-read_") and seen[2].name.startswith("trax-write_")


def test_the_worker_thread_runs_calls_one_at_a_time_in_order_in_the_callers_context():
    request = contextvars.ContextVar("request", default="-")
    ran: list[tuple[int, str, str]] = []
    running = threading.Semaphore(1)

    def call(number: int) -> int:
        assert running.acquire(blocking=False), "two calls ran at once"
        try:
            time.sleep(0.001)
            ran.append((number, request.get(), threading.current_thread().name))
            return number
        finally:
            running.release()

    async def caller(number: int) -> int:
        request.set(f"req_{number}")
        return await worker.run(call, number)

    worker = execution.WorkerThread()

    async def main():
        return await asyncio.gather(*(caller(n) for n in range(20)))

    assert asyncio.run(main()) == list(range(20))
    assert [number for number, _, _ in ran] == list(range(20))
    assert all(seen == f"req_{number}" for number, seen, _ in ran)
    assert len({thread for _, _, thread in ran}) == 1
    assert ran[0][2] != threading.main_thread().name


def test_a_cancelled_caller_withdraws_a_call_not_started_and_waits_out_a_started_one():
    worker = execution.WorkerThread()
    first_may_end = threading.Event()
    log: list[str] = []

    def first() -> None:
        log.append("first started")
        first_may_end.wait(5)
        log.append("first ended")

    def second() -> None:
        log.append("second ran")

    async def main():
        started = asyncio.create_task(worker.run(first))
        queued = asyncio.create_task(worker.run(second))
        while "first started" not in log:
            await asyncio.sleep(0.001)
        queued.cancel()
        started.cancel()
        await asyncio.sleep(0.01)
        assert not started.done(), "a started call's caller goes on only once the call ended"
        # An anyio cancel scope cancels again and again: the caller still waits.
        started.cancel()
        await asyncio.sleep(0.01)
        assert not started.done()
        first_may_end.set()
        for task in (started, queued):
            with pytest.raises(asyncio.CancelledError):
                await task
        log.append("caller saw the cancellation")

    asyncio.run(main())
    assert log == ["first started", "first ended", "caller saw the cancellation"]


def test_a_cancel_scope_around_a_started_call_ends_after_the_call():
    worker = execution.WorkerThread()
    log: list[str] = []

    def slow() -> str:
        time.sleep(0.05)
        log.append("call ended")
        return "done"

    async def main():
        with anyio.move_on_after(0.005) as scope:
            await worker.run(slow)
        log.append("scope left")
        assert scope.cancelled_caught

    asyncio.run(main())
    assert log == ["call ended", "scope left"]


def test_reader_threads_take_calls_side_by_side():
    readers = execution.WorkerThread(3, "trax-read")
    inside = threading.Barrier(3, timeout=5)  # passes only when three calls run at once

    def read(number: int) -> tuple[int, str]:
        inside.wait()
        return number, threading.current_thread().name

    async def main():
        return await asyncio.gather(*(readers.run(read, n) for n in range(3)))

    answers = asyncio.run(main())
    readers.close()
    assert [number for number, _ in answers] == [0, 1, 2]
    assert len({name for _, name in answers}) == 3


def test_the_worker_thread_hands_back_errors_and_close_finishes_the_queue_first():
    worker = execution.WorkerThread()
    ran: list[int] = []
    threads: set[threading.Thread] = set()

    def slow(number: int) -> int:
        time.sleep(0.01)
        ran.append(number)
        threads.add(threading.current_thread())
        return number

    def broken() -> None:
        raise LookupError("from the worker")

    async def main():
        with pytest.raises(LookupError, match="from the worker"):
            await worker.run(broken)
        calls = [asyncio.ensure_future(worker.run(slow, n)) for n in range(3)]
        await asyncio.sleep(0)  # queued behind one another
        await asyncio.to_thread(worker.close)
        assert ran == [0, 1, 2], "close returned before the queued calls ran"
        assert [await call for call in calls] == [0, 1, 2]
        (stopped,) = threads
        assert not stopped.is_alive()
        # A call after close starts the thread again.
        assert await worker.run(slow, 3) == 3
        assert len(threads) == 2

    asyncio.run(main())
    worker.close()


def _recorded(body: str) -> list[dict]:
    return [
        {"probe": "one studio", "status": 200, "headers": {"x-request-id": "probe-3"}, "body": body}
    ]


def test_the_differential_check_normalises_ids_cursors_and_times_and_sees_any_other_change():
    from server.domain.pagination import encode_cursor

    seeded = ["studio_01AAAAAAAAAAAAAAAAAAAAAAAA", "studio_01BBBBBBBBBBBBBBBBBBBBBBBB"]
    normalise = probes.Normaliser(seeded)
    assert normalise.fill("/v1/studios/{studio:1}?cursor={cursor:0}") == (
        f"/v1/studios/{seeded[1]}?cursor={encode_cursor(seeded[0])}"
    )
    body = (
        f'{{"id":"{seeded[1]}","made":"studio_01CCCCCCCCCCCCCCCCCCCCCCCC",'
        f'"at":"2026-12-02T04:00:00.123Z","next":"{encode_cursor(seeded[0])}"}}'
    )
    normal = normalise(body)
    assert normal == '{"id":"{studio:1}","made":"{new:studio}","at":"{time}","next":"{cursor:0}"}'
    assert probes.differences(_recorded(normal), _recorded(normal)) == []
    changed = normalise(body.replace('"at"', '"when"'))
    (difference,) = probes.differences(_recorded(normal), _recorded(changed))
    assert difference.startswith("one studio: body")
    other_status = [{**_recorded(normal)[0], "status": 201}]
    assert probes.differences(_recorded(normal), other_status) != []


def test_the_recording_covers_every_probe():
    assert [entry["probe"] for entry in probes.load_expected()] == [p.name for p in probes.PROBES]
