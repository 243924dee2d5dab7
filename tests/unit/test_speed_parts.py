"""The parts the speed work added, each on its own: single-flight auth lookups, the orjson
encoder's fallback to the stdlib, the handler adapters, and the bench's differential check."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading

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
    read = execution.adapter_for("get", handler, inline_reads=True, worker=worker)
    hopped = execution.adapter_for("get", handler, inline_reads=False, worker=worker)
    write = execution.adapter_for("post", handler, inline_reads=True, worker=worker)
    # connexion reads the handler's parameters through the adapter.
    assert inspect.signature(read) == inspect.signature(handler)
    assert all(inspect.iscoroutinefunction(a) for a in (read, hopped, write))

    async def main():
        assert await read(None, "s1") == "s1"
        assert await hopped(None, "s2") == "s2"
        assert await write(None, "s3") == "s3"
        assert worker.limiter.total_tokens == 1

    asyncio.run(main())
    main_thread = threading.main_thread()
    assert seen[0] is main_thread and seen[1] is not main_thread and seen[2] is not main_thread


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
