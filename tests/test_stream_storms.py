"""Races against the limits and the stream state machine, through a real server (run on SQLite
by `make test`, on PostgreSQL by `make test-postgres`): the invariants hold after any storm."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from server.services.sources import MAX_SOURCES_PER_STUDIO
from server.storage.models import utcnow
from tests.helpers import create_destination, create_studio

KEY = "storm-key-0001"
# Every step the stream state machine may take (v1-contract.md, "Go live").
ALLOWED_STEPS = {
    ("offline", "starting"),
    ("errored", "starting"),
    ("starting", "live"),
    ("starting", "errored"),
    ("starting", "stopping"),
    ("live", "stopping"),
    ("stopping", "offline"),
    ("errored", "offline"),
}


def storm(base_url: str, secret: str, requests: list[tuple[str, str, dict | None]]):
    """Sends every (method, path, body) at once, one thread each, released by a barrier."""
    barrier = threading.Barrier(len(requests))
    headers = {"Authorization": f"Bearer {secret}"}

    def send(request):
        method, path, body = request
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            barrier.wait(timeout=30)
            return client.request(method, path, json=body)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


@pytest.mark.parametrize("collection", ["sources", "destinations"])
def test_parallel_creates_never_pass_the_limit_of_a_studio(live_server, api, tenant, collection):
    studio = create_studio(api)
    body = (
        {"kind": "rtmp", "name": "Camera"}
        if collection == "sources"
        else {"platform": "youtube", "name": "YouTube", "streamKey": KEY}
    )
    path = f"/studios/{studio['id']}/{collection}"
    responses = storm(live_server, tenant.secret, [("POST", path, body)] * 32)

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * MAX_SOURCES_PER_STUDIO + [409] * (32 - MAX_SOURCES_PER_STUDIO)
    refusals = [r.json()["error"] for r in responses if r.status_code == 409]
    assert {error["code"] for error in refusals} == {"limit_reached"}
    listed = api.get(f"/v1{path}", params={"limit": 100}).json()
    assert len(listed["data"]) == MAX_SOURCES_PER_STUDIO
    if collection == "destinations":  # stream-status lists at most 25 (maxItems in the spec)
        status = api.get(f"/v1/studios/{studio['id']}/stream-status")
        assert len(status.json()["destinations"]) == MAX_SOURCES_PER_STUDIO


def assert_valid_path(steps: list[tuple[str, str]]) -> None:
    state = "offline"
    for step in steps:
        assert step in ALLOWED_STEPS, f"{step} is not a step of the state machine: {steps}"
        assert step[0] == state, f"{step} does not start where the last step ended: {steps}"
        state = step[1]


def test_go_live_and_go_offline_storms_leave_the_database_and_the_engine_agreeing(
    live_server, api, tenant, services
):
    studio = create_studio(api)
    destinations = {
        create_destination(api, studio["id"], streamKey=KEY)["id"],
        create_destination(api, studio["id"], "twitch", streamKey=KEY)["id"],
    }
    engine = services.stream_engine
    chooser = random.Random(14)
    for _ in range(6):
        requests = [
            ("POST", f"/studios/{studio['id']}/{chooser.choice(['go-live', 'go-offline'])}", None)
            for _ in range(16)
        ]
        responses = storm(live_server, tenant.secret, requests)
        assert {r.status_code for r in responses} <= {200, 409}
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} <= {
            "stream_busy"
        }

        state = api.get(f"/v1/studios/{studio['id']}/stream-status").json()["state"]
        running = engine.running.get(studio["id"], set())
        if state == "live":
            assert running == destinations
        else:
            assert state == "offline" and running == set()
    assert_valid_path(services.stream.transitions(tenant.account_id, studio["id"]))


def test_toggling_outputs_of_a_live_studio_in_parallel_leaves_the_engine_in_line(
    live_server, api, tenant, services
):
    studio = create_studio(api)
    destinations = [
        create_destination(
            api,
            studio["id"],
            "custom_rtmp",
            rtmpUrl=f"rtmp://relay.example.com/app{i}",
            streamKey=KEY,
        )["id"]
        for i in range(1, 7)
    ]
    assert api.post(f"/v1/studios/{studio['id']}/go-live").json()["state"] == "live"
    chooser = random.Random(11)
    for _ in range(5):
        requests = [
            (
                "PATCH",
                f"/studios/{studio['id']}/destinations/{chooser.choice(destinations)}",
                {"enabled": chooser.choice([True, False])},
            )
            for _ in range(16)
        ]
        responses = storm(live_server, tenant.secret, requests)
        assert {r.status_code for r in responses} == {200}

        stored = api.get(f"/v1/studios/{studio['id']}/destinations", params={"limit": 25})
        enabled = {d["id"] for d in stored.json()["data"] if d["enabled"]}
        assert services.stream_engine.running.get(studio["id"], set()) == enabled
        status = api.get(f"/v1/studios/{studio['id']}/stream-status").json()
        for destination in status["destinations"]:
            expected = "live" if destination["destinationId"] in enabled else "disabled"
            assert destination["status"] == expected


def test_a_completion_from_an_earlier_generation_loses(api, tenant, services):
    """go-live's second step names the generation its first step made: after the studio went
    offline and live again in between, the stale step changes nothing."""
    studio = create_studio(api)

    def step(from_states, to_state, generation=None):
        with services.unit_of_work() as uow:
            made = uow.stream.transition(
                tenant.account_id, studio["id"], from_states, to_state, utcnow(),
                generation=generation,
            )  # fmt: skip
            uow.commit()
            return made

    first = step(("offline", "errored"), "starting")
    assert first is not None and first.from_state == "offline"
    step(("starting", "live"), "stopping")
    step(("stopping",), "offline")
    second = step(("offline", "errored"), "starting")
    assert step(("starting",), "live", generation=first.generation) is None
    assert step(("starting",), "live", generation=second.generation) is not None
    assert services.stream.transitions(tenant.account_id, studio["id"]) == [
        ("offline", "starting"),
        ("starting", "stopping"),
        ("stopping", "offline"),
        ("offline", "starting"),
        ("starting", "live"),
    ]
