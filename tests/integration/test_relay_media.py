"""The relay with real ffmpeg processes and RTMP receivers on loopback (marked `media`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from server.app import create_app
from server.services.container import Services
from server.services.outbound import parse_networks
from server.streaming.relay import worker_thread
from tests.support.builders import create_destination, create_source, create_studio
from tests.support.client import ApiClient
from tests.support.media import Receiver, make_clip, pid_alive, probe_streams, wait_until
from tests.support.optional import require_executable

pytestmark = pytest.mark.media

KEY_A = "live-key-aaaa-1111"
KEY_B = "live-key-bbbb-2222"


@pytest.fixture(scope="module")
def relay_settings(settings):
    return replace(
        settings,
        stream_engine="relay",
        outbound_allowed_networks=parse_networks("127.0.0.0/8"),
        relay_video_size="320x180",
        relay_fps=15,
        relay_video_kbps=300,
        relay_lease_seconds=3,
    )


@pytest.fixture(scope="module")
def relay_services(relay_settings, services):
    relay_services = Services.build(relay_settings)
    yield relay_services
    relay_services.close()


@pytest.fixture(scope="module")
def relay_app(relay_settings, relay_services):
    return create_app(relay_settings, relay_services)


@pytest.fixture
def relay_api(relay_app, services, tenant):
    return ApiClient(relay_app, tenant.secret)


@pytest.fixture
def worker(relay_services):
    worker = relay_services.relay_worker("test-worker-1")
    stop = worker_thread(worker)
    yield worker
    stop()


@pytest.fixture
def ffprobe():
    return require_executable("ffprobe")


def upload_clip(api, path) -> str:
    data = path.read_bytes()
    created = api.post(
        "/v1/media",
        json={"filename": path.name, "contentType": "video/mp4", "size": len(data)},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    from urllib.parse import urlsplit

    url = urlsplit(body["upload"]["url"])
    response = api.request(
        "PUT", f"{url.path}?{url.query}", content=data, headers=body["upload"]["headers"]
    )
    assert response.status_code == 204, response.text
    return body["id"]


def stream_status(api, studio_id) -> dict:
    response = api.get(f"/v1/studios/{studio_id}/stream-status")
    assert response.status_code == 200
    return response.json()


def by_destination(body) -> dict[str, dict]:
    return {d["destinationId"]: d for d in body["destinations"]}


def live_with_health(api, studio_id, destination_id):
    def check():
        status = by_destination(stream_status(api, studio_id))[destination_id]
        health = status["health"]
        if status["status"] == "live" and health["bitrateKbps"] and health["framesPerSecond"]:
            return status
        return None

    return check


def test_media_program_to_two_destinations_with_failure_and_recovery(
    relay_api, worker, tmp_path, ffprobe
):
    clip = make_clip(tmp_path / "clip.mp4")
    media_id = upload_clip(relay_api, clip)
    studio = create_studio(relay_api, "Relay test")
    source = create_source(relay_api, studio["id"], kind="media", name="Clip", mediaId=media_id)
    receiver_a = Receiver(tmp_path, KEY_A).start()
    receiver_b = Receiver(tmp_path, KEY_B).start()
    try:
        dest_a = create_destination(
            relay_api, studio["id"], "custom_rtmp", rtmpUrl=receiver_a.url, streamKey=KEY_A
        )
        dest_b = create_destination(
            relay_api, studio["id"], "custom_rtmp", rtmpUrl=receiver_b.url, streamKey=KEY_B
        )
        started = relay_api.post(f"/v1/studios/{studio['id']}/go-live").json()
        # Nothing has flowed yet: the API says starting, never live.
        assert started["state"] == "starting"
        assert {d["status"] for d in started["destinations"]} == {"starting"}

        wait_until(live_with_health(relay_api, studio["id"], dest_a["id"]), 30, "A live")
        wait_until(live_with_health(relay_api, studio["id"], dest_b["id"]), 30, "B live")
        body = stream_status(relay_api, studio["id"])
        assert body["state"] == "live"
        assert body["program"] == {"kind": "source", "sourceId": source["id"]}
        assert body["health"]["bitrateKbps"] > 0
        wait_until(lambda: receiver_a.received_bytes() > 20_000, 20, "A's bytes")
        wait_until(lambda: receiver_b.received_bytes() > 20_000, 20, "B's bytes")
        for receiver in (receiver_a, receiver_b):
            assert probe_streams(ffprobe, receiver.recordings[-1]) == {
                "video": "h264",
                "audio": "aac",
            }
        pids = worker.running_pids()
        assert len(pids) == 3  # the program and one output per destination
        # The receivers only accept their own key, yet no process list shows one.
        for pid in pids:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            assert KEY_A.encode() not in cmdline and KEY_B.encode() not in cmdline

        # One receiver dies: its destination errors with a reason and a retry time, the
        # other stays live.
        receiver_a.kill()

        def a_errored():
            status = by_destination(stream_status(relay_api, studio["id"]))[dest_a["id"]]
            return status if status["status"] == "errored" else None

        errored = wait_until(a_errored, 20, "A errored")
        assert errored["reason"] in ("connection_lost", "output_stalled", "process_exited")
        assert errored["retryAt"] is not None
        assert errored["health"]["bitrateKbps"] is None
        after = by_destination(stream_status(relay_api, studio["id"]))[dest_b["id"]]
        assert after["status"] == "live"
        # While it is down, retries are refused and keep it errored.
        receiver_a.start()
        wait_until(live_with_health(relay_api, studio["id"], dest_a["id"]), 40, "A recovered")
        wait_until(lambda: receiver_a.received_bytes() > 20_000, 20, "A's bytes again")
        assert by_destination(stream_status(relay_api, studio["id"]))[dest_b["id"]]["status"] == (
            "live"
        )

        # Offline: the worker stops every process, then the studio is offline.
        pids = worker.running_pids()
        relay_api.post(f"/v1/studios/{studio['id']}/go-offline")
        wait_until(
            lambda: stream_status(relay_api, studio["id"])["state"] == "offline", 15, "offline"
        )
        wait_until(lambda: not any(pid_alive(pid) for pid in pids), 10, "processes gone")
        body = stream_status(relay_api, studio["id"])
        assert body["program"] is None
        assert {d["status"] for d in body["destinations"]} == {"idle"}
    finally:
        receiver_a.stop()
        receiver_b.stop()


def test_slate_when_no_source_has_a_signal(relay_api, worker, tmp_path, ffprobe):
    studio = create_studio(relay_api, "Slate studio")
    create_source(relay_api, studio["id"], kind="rtmp", name="Camera")  # no ingest: no signal
    receiver = Receiver(tmp_path, KEY_A).start()
    try:
        dest = create_destination(
            relay_api, studio["id"], "custom_rtmp", rtmpUrl=receiver.url, streamKey=KEY_A
        )
        relay_api.post(f"/v1/studios/{studio['id']}/go-live")
        wait_until(live_with_health(relay_api, studio["id"], dest["id"]), 30, "live on slate")
        assert stream_status(relay_api, studio["id"])["program"] == {
            "kind": "slate",
            "sourceId": None,
        }
        wait_until(lambda: receiver.received_bytes() > 2_000, 20, "slate bytes")
        assert probe_streams(ffprobe, receiver.recordings[-1]) == {"video": "h264", "audio": "aac"}
        relay_api.post(f"/v1/studios/{studio['id']}/go-offline")
        wait_until(
            lambda: stream_status(relay_api, studio["id"])["state"] == "offline", 15, "offline"
        )
    finally:
        receiver.stop()


def test_a_refused_connection_is_errored_and_the_key_never_shows(relay_api, worker, tmp_path):
    studio = create_studio(relay_api, "Nobody listens")
    port = Receiver(tmp_path, KEY_A).port  # nothing listens on it
    dest = create_destination(
        relay_api,
        studio["id"],
        "custom_rtmp",
        rtmpUrl=f"rtmp://127.0.0.1:{port}/live",
        streamKey=KEY_B,
    )
    relay_api.post(f"/v1/studios/{studio['id']}/go-live")

    def errored():
        body = stream_status(relay_api, studio["id"])
        status = by_destination(body)[dest["id"]]
        return body if status["status"] == "errored" else None

    body = wait_until(errored, 20, "refused")
    assert by_destination(body)[dest["id"]]["reason"] == "connection_refused"
    assert body["state"] == "starting"  # nothing has gone out anywhere
    assert KEY_B not in str(body)
    relay_api.post(f"/v1/studios/{studio['id']}/go-offline")
    wait_until(lambda: stream_status(relay_api, studio["id"])["state"] == "offline", 15, "off")


def test_a_studio_nothing_goes_out_of_is_given_up_and_errored(relay_api, relay_services, tmp_path):
    """Every output failing for the give-up time: the relay stops the studio's processes and
    marks it errored (outputs_failed), each destination with its own reason."""
    worker = relay_services.relay_worker("give-up-worker", give_up_seconds=4)
    stop = worker_thread(worker)
    try:
        studio = create_studio(relay_api, "Nobody anywhere")
        port = Receiver(tmp_path, KEY_A).port  # nothing listens on it
        dest = create_destination(
            relay_api,
            studio["id"],
            "custom_rtmp",
            rtmpUrl=f"rtmp://127.0.0.1:{port}/live",
            streamKey=KEY_A,
        )
        relay_api.post(f"/v1/studios/{studio['id']}/go-live")
        wait_until(lambda: worker.running_pids(), 10, "processes started")
        pids = worker.running_pids()
        body = wait_until(
            lambda: (b := stream_status(relay_api, studio["id"]))["state"] == "errored" and b,
            20,
            "given up",
        )
        assert body["reason"] == "outputs_failed" and body["program"] is None
        assert by_destination(body)[dest["id"]]["status"] == "errored"
        assert by_destination(body)[dest["id"]]["reason"] == "connection_refused"
        wait_until(lambda: not any(pid_alive(pid) for pid in pids), 10, "processes gone")
        assert worker.running_pids() == []
        offline = relay_api.post(f"/v1/studios/{studio['id']}/go-offline").json()
        assert (offline["state"], offline["reason"]) == ("offline", None)
    finally:
        stop()


def child_pids(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def test_a_dead_workers_studio_is_taken_over(relay_api, relay_settings, relay_services, tmp_path):
    """A worker killed with SIGKILL takes its ffmpeg processes with it (PR_SET_PDEATHSIG), and
    another worker takes the studio over once the lease expires."""
    environment = {
        **os.environ,
        "TRAX_DATABASE_URL": relay_settings.database_url,
        "TRAX_KEY_HASH_SECRET": relay_settings.key_hash_secret,
        "TRAX_MEDIA_DIR": str(relay_settings.media_dir),
        "TRAX_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "TRAX_RELAY_LEASE_SECONDS": str(relay_settings.relay_lease_seconds),
        "TRAX_RELAY_VIDEO_SIZE": relay_settings.relay_video_size,
        "TRAX_RELAY_FPS": str(relay_settings.relay_fps),
        "TRAX_RELAY_VIDEO_KBPS": str(relay_settings.relay_video_kbps),
        "TRAX_STREAM_ENGINE": "relay",
        "TRAX_RTMP_INGEST": "0",  # this test is about leases; the ingest has its own test
    }
    trax = Path(sys.executable).with_name("trax")
    doomed = subprocess.Popen(
        [str(trax), "relay", "--worker-id", "doomed-worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    receiver = Receiver(tmp_path, KEY_A).start()
    successor = None
    try:
        studio = create_studio(relay_api, "Takeover")
        dest = create_destination(
            relay_api, studio["id"], "custom_rtmp", rtmpUrl=receiver.url, streamKey=KEY_A
        )
        relay_api.post(f"/v1/studios/{studio['id']}/go-live")
        wait_until(live_with_health(relay_api, studio["id"], dest["id"]), 30, "live")
        ffmpeg_pids = child_pids(doomed.pid)
        assert len(ffmpeg_pids) == 2  # program + one output

        doomed.kill()
        doomed.wait(10)
        killed_at = time.monotonic()
        wait_until(lambda: not any(pid_alive(p) for p in ffmpeg_pids), 10, "children gone")
        receiver.stop()
        receiver.start()  # the test receiver takes one publisher: listen again
        successor = relay_services.relay_worker("successor-worker")
        stop_successor = worker_thread(successor)
        try:
            wait_until(lambda: receiver.received_bytes() > 2_000, 40, "bytes from the successor")
            taken_over = time.monotonic() - killed_at
            print(f"takeover: first bytes {taken_over:.1f}s after the worker was killed")
            wait_until(live_with_health(relay_api, studio["id"], dest["id"]), 20, "live again")
            assert len(successor.running_pids()) == 2
            relay_api.post(f"/v1/studios/{studio['id']}/go-offline")
            wait_until(
                lambda: stream_status(relay_api, studio["id"])["state"] == "offline", 15, "off"
            )
        finally:
            stop_successor()
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
        receiver.stop()


def test_changing_one_destination_restarts_only_its_output(relay_api, worker, tmp_path):
    studio = create_studio(relay_api, "Edits while live")
    receiver_a = Receiver(tmp_path, KEY_A).start()
    receiver_b = Receiver(tmp_path, KEY_B).start()
    try:
        dest_a = create_destination(
            relay_api, studio["id"], "custom_rtmp", rtmpUrl=receiver_a.url, streamKey=KEY_A
        )
        dest_b = create_destination(
            relay_api, studio["id"], "custom_rtmp", rtmpUrl=receiver_b.url, streamKey=KEY_B
        )
        relay_api.post(f"/v1/studios/{studio['id']}/go-live")
        wait_until(live_with_health(relay_api, studio["id"], dest_a["id"]), 30, "A live")
        wait_until(live_with_health(relay_api, studio["id"], dest_b["id"]), 30, "B live")
        pids = worker.output_pids(studio["id"])
        path_b = f"/v1/studios/{studio['id']}/destinations/{dest_b['id']}"

        assert relay_api.patch(path_b, json={"enabled": False}).status_code == 200
        wait_until(lambda: dest_b["id"] not in worker.output_pids(studio["id"]), 10, "B off")
        wait_until(lambda: not pid_alive(pids[dest_b["id"]]), 10, "B's process gone")
        assert worker.output_pids(studio["id"]) == {dest_a["id"]: pids[dest_a["id"]]}
        body = by_destination(stream_status(relay_api, studio["id"]))
        assert body[dest_b["id"]]["status"] == "disabled"
        assert body[dest_a["id"]]["status"] == "live"

        receiver_b.start()  # its publisher left: listen again
        assert relay_api.patch(path_b, json={"enabled": True}).status_code == 200
        wait_until(live_with_health(relay_api, studio["id"], dest_b["id"]), 30, "B back")
        now = worker.output_pids(studio["id"])
        assert now[dest_a["id"]] == pids[dest_a["id"]] and now[dest_b["id"]] != pids[dest_b["id"]]

        # Re-keying restarts only that output, with the new key.
        path_a = f"/v1/studios/{studio['id']}/destinations/{dest_a['id']}"
        receiver_a.stop()
        receiver_a = Receiver(tmp_path, "rotated-key-3333", port=receiver_a.port)
        receiver_a.start()
        assert relay_api.patch(path_a, json={"streamKey": "rotated-key-3333"}).status_code == 200
        wait_until(
            lambda: (
                worker.output_pids(studio["id"]).get(dest_a["id"]) not in (None, pids[dest_a["id"]])
            ),
            10,
            "A restarted",
        )
        wait_until(live_with_health(relay_api, studio["id"], dest_a["id"]), 30, "A live again")
        assert worker.output_pids(studio["id"])[dest_b["id"]] == now[dest_b["id"]]

        relay_api.delete(path_b)
        wait_until(lambda: dest_b["id"] not in worker.output_pids(studio["id"]), 10, "B deleted")
        relay_api.post(f"/v1/studios/{studio['id']}/go-offline")
        wait_until(
            lambda: stream_status(relay_api, studio["id"])["state"] == "offline", 15, "offline"
        )
    finally:
        receiver_a.stop()
        receiver_b.stop()
