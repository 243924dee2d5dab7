from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest

from server.app import create_app
from server.services.stream import StreamService
from tests.support.builders import create_destination, create_studio
from tests.support.client import ApiClient
from tests.support.fakes import ScriptedEngine

KEY = "stream-key-0001"


@pytest.fixture
def studio(api):
    return create_studio(api)


def go_live(api, studio):
    return api.post(f"/v1/studios/{studio['id']}/go-live")


def go_offline(api, studio):
    return api.post(f"/v1/studios/{studio['id']}/go-offline")


def status(api, studio):
    return api.get(f"/v1/studios/{studio['id']}/stream-status").json()


def statuses(body) -> dict[str, str]:
    return {d["destinationId"]: d["status"] for d in body["destinations"]}


def test_a_new_studio_is_offline_with_nothing_measured(api, studio):
    body = status(api, studio)
    assert body == {
        "studioId": studio["id"],
        "state": "offline",
        "reason": None,
        "startedAt": None,
        "health": {"bitrateKbps": None, "framesPerSecond": None, "droppedFrames": None},
        "program": None,
        # No ingest runs in the API suite: every network source kind says so.
        "ingest": {"rtmp": "unavailable", "srt": "unavailable", "whip": "unavailable"},
        "destinations": [],
    }


def test_go_live_and_offline(api, studio, services, tenant):
    youtube = create_destination(api, studio["id"], "youtube", streamKey=KEY)
    twitch = create_destination(api, studio["id"], "twitch", streamKey=KEY, enabled=False)

    live = go_live(api, studio)
    assert live.status_code == 200
    body = live.json()
    assert body["state"] == "live" and body["startedAt"] is not None
    assert statuses(body) == {youtube["id"]: "live", twitch["id"]: "disabled"}
    assert all(d["health"]["bitrateKbps"] is None for d in body["destinations"])
    assert status(api, studio) == body
    assert api.get(f"/v1/studios/{studio['id']}").json()["streamState"] == "live"

    offline = go_offline(api, studio).json()
    assert offline["state"] == "offline" and offline["startedAt"] is None
    assert statuses(offline) == {youtube["id"]: "idle", twitch["id"]: "disabled"}
    assert services.stream.transitions(tenant.account_id, studio["id"]) == [
        ("offline", "starting"),
        ("starting", "live"),
        ("live", "stopping"),
        ("stopping", "offline"),
    ]


def test_go_live_and_go_offline_are_safe_to_repeat(api, studio, services, tenant):
    create_destination(api, studio["id"], streamKey=KEY)
    first = go_live(api, studio).json()
    again = go_live(api, studio)
    assert again.status_code == 200 and again.json() == first
    go_offline(api, studio)
    repeat = go_offline(api, studio)
    assert repeat.status_code == 200 and repeat.json()["state"] == "offline"
    assert len(services.stream.transitions(tenant.account_id, studio["id"])) == 4


def test_going_live_needs_an_enabled_destination(api, studio):
    response = go_live(api, studio)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_enabled_destination"
    create_destination(api, studio["id"], streamKey=KEY, enabled=False)
    assert go_live(api, studio).json()["error"]["code"] == "no_enabled_destination"
    assert status(api, studio)["state"] == "offline"


def test_every_enabled_destination_needs_a_stream_key(api, studio):
    create_destination(api, studio["id"], streamKey=KEY)
    keyless = create_destination(api, studio["id"], "twitch")
    response = go_live(api, studio)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "destination_missing_stream_key"
    assert keyless["id"] in response.json()["error"]["message"]
    assert status(api, studio)["state"] == "offline"


def test_disabling_and_deleting_destinations_while_live(api, studio, services):
    first = create_destination(api, studio["id"], streamKey=KEY)
    second = create_destination(api, studio["id"], "twitch", streamKey=KEY)
    go_live(api, studio)
    running = services.stream_engine.running[studio["id"]]
    assert running == {first["id"], second["id"]}

    url = f"/v1/studios/{studio['id']}/destinations"
    api.patch(f"{url}/{first['id']}", json={"enabled": False})
    assert statuses(status(api, studio)) == {first["id"]: "disabled", second["id"]: "live"}
    assert running == {second["id"]}

    api.delete(f"{url}/{second['id']}")
    assert statuses(status(api, studio)) == {first["id"]: "disabled"}
    assert running == set()

    api.patch(f"{url}/{first['id']}", json={"enabled": True})
    assert statuses(status(api, studio)) == {first["id"]: "live"}
    assert running == {first["id"]}


def test_adding_a_destination_while_live_starts_it(api, studio, services):
    create_destination(api, studio["id"], streamKey=KEY)
    go_live(api, studio)
    added = create_destination(api, studio["id"], "twitch", streamKey=KEY)
    assert statuses(status(api, studio))[added["id"]] == "live"
    assert added["id"] in services.stream_engine.running[studio["id"]]


def test_while_live_an_enabled_destination_keeps_a_key(api, studio):
    destination = create_destination(api, studio["id"], streamKey=KEY)
    go_live(api, studio)
    url = f"/v1/studios/{studio['id']}/destinations"
    cleared = api.patch(f"{url}/{destination['id']}", json={"streamKey": None})
    assert cleared.status_code == 409
    assert api.get(f"{url}/{destination['id']}").json()["streamKeySet"] is True
    keyless = api.post(url, json={"platform": "twitch", "name": "T"})
    assert keyless.status_code == 409
    assert len(api.get(url).json()["data"]) == 1


def api_over(engine, settings, services, tenant) -> ApiClient:
    """An app of its own whose stream service drives `engine` (the shared app's engine is
    never patched)."""
    stream = StreamService(services.unit_of_work, engine, services.stream_keys)
    return ApiClient(create_app(settings, replace(services, stream=stream)), tenant.secret)


def test_a_failing_engine_leaves_the_studio_errored(api, studio, settings, services, tenant):
    create_destination(api, studio["id"], streamKey=KEY)
    failing = api_over(
        ScriptedEngine(fails_with=ConnectionError("relay unreachable")), settings, services, tenant
    )
    body = go_live(failing, studio).json()
    assert body["state"] == "errored" and body["startedAt"] is None
    assert set(statuses(body).values()) == {"errored"}
    assert go_live(api, studio).json()["state"] == "live"  # errored can retry
    assert go_offline(api, studio).json()["state"] == "offline"


def test_go_offline_from_errored(api, studio, settings, services, tenant):
    create_destination(api, studio["id"], streamKey=KEY)
    answers_nothing = api_over(ScriptedEngine(start_state="errored"), settings, services, tenant)
    assert go_live(answers_nothing, studio).json()["state"] == "errored"
    assert go_offline(api, studio).json()["state"] == "offline"


def test_stream_routes_are_tenant_isolated_and_scoped(app, api, make_tenant, studio):
    create_destination(api, studio["id"], streamKey=KEY)
    bob = ApiClient(app, make_tenant("Bob").secret)
    for response in (
        bob.get(f"/v1/studios/{studio['id']}/stream-status"),
        bob.post(f"/v1/studios/{studio['id']}/go-live"),
        bob.post(f"/v1/studios/{studio['id']}/go-offline"),
    ):
        assert response.status_code == 404
    assert status(api, studio)["state"] == "offline"
    watcher = ApiClient(app, make_tenant("W", scopes=("stream:read",)).secret)
    assert watcher.get(f"/v1/studios/{studio['id']}/stream-status").status_code == 404
    denied = watcher.post(f"/v1/studios/{studio['id']}/go-live")
    assert denied.json()["error"]["requiredScope"] == "stream:golive"


def test_write_flag(read_only_app, api, tenant, studio):
    create_destination(api, studio["id"], streamKey=KEY)
    read_only = ApiClient(read_only_app, tenant.secret)
    assert read_only.post(f"/v1/studios/{studio['id']}/go-live").status_code == 503
    assert read_only.get(f"/v1/studios/{studio['id']}/stream-status").json()["state"] == "offline"


def parallel(base_url: str, secret: str, path: str, calls: int) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {secret}"}

    def call(_):
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            return client.post(path)

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(call, range(calls)))


@pytest.mark.parametrize("calls", [12])
def test_concurrent_go_live_makes_exactly_one_transition(
    live_server, api, tenant, studio, services, calls
):
    create_destination(api, studio["id"], streamKey=KEY)
    responses = parallel(live_server, tenant.secret, f"/studios/{studio['id']}/go-live", calls)
    assert [r.status_code for r in responses] == [200] * calls
    assert {r.json()["state"] for r in responses} <= {"starting", "live"}
    assert services.stream.transitions(tenant.account_id, studio["id"]) == [
        ("offline", "starting"),
        ("starting", "live"),
    ]
    responses = parallel(live_server, tenant.secret, f"/studios/{studio['id']}/go-offline", calls)
    assert [r.status_code for r in responses] == [200] * calls
    assert services.stream.transitions(tenant.account_id, studio["id"])[2:] == [
        ("live", "stopping"),
        ("stopping", "offline"),
    ]


@pytest.mark.postgres
def test_concurrent_go_live_on_postgresql(live_server, api, tenant, services):
    """The same race on PostgreSQL, where writers really run in parallel, over many studios."""
    assert services.engine.dialect.name == "postgresql"
    studios = [create_studio(api, f"s{i}") for i in range(5)]
    for studio in studios:
        create_destination(api, studio["id"], streamKey=KEY)
    for studio in studios:
        responses = parallel(live_server, tenant.secret, f"/studios/{studio['id']}/go-live", 16)
        assert all(r.status_code == 200 for r in responses)
        assert services.stream.transitions(tenant.account_id, studio["id"]) == [
            ("offline", "starting"),
            ("starting", "live"),
        ]
