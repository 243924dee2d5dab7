"""The embedded RTMP ingest (nginx-rtmp) with the real relay: a publisher on an rtmp source's
ingest URL makes the source live and the studio's program (marked `media`)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from server.app import create_app
from server.services.container import Services
from server.services.outbound import parse_networks
from server.streaming.ingest import RTMP_MODULES, ingest_thread
from server.streaming.relay import worker_thread
from tests.support.builders import create_destination, create_source, create_studio
from tests.support.client import ApiClient
from tests.support.media import Publisher, Receiver, free_port, probe_streams, wait_until
from tests.support.optional import require_executable, skip_or_fail

pytestmark = pytest.mark.media

KEY = "live-key-ingest-4444"


@pytest.fixture(scope="module")
def ingest_settings(settings):
    require_executable("nginx")
    if not any(Path(path).exists() for path in RTMP_MODULES):
        skip_or_fail("needs nginx's RTMP module (libnginx-mod-rtmp), which is not installed")
    return replace(
        settings,
        stream_engine="relay",
        outbound_allowed_networks=parse_networks("127.0.0.0/8"),
        relay_video_size="320x180",
        relay_fps=15,
        relay_video_kbps=300,
        ingest_host="127.0.0.1",
        ingest_rtmp_port=free_port(),
    )


@pytest.fixture(scope="module")
def ingest_services(ingest_settings):
    services = Services.build(ingest_settings)
    yield services
    services.close()


@pytest.fixture(scope="module")
def ingest(ingest_services):
    ingest = ingest_services.rtmp_ingest()
    assert ingest is not None
    stop = ingest_thread(ingest)
    try:
        assert ingest.running.wait(15), "nginx-rtmp did not start"
        yield ingest
    finally:
        stop()
    assert ingest.process.poll() is not None  # stopped with the ingest


@pytest.fixture
def api(ingest_settings, ingest_services, services, tenant):
    return ApiClient(create_app(ingest_settings, ingest_services), tenant.secret)


@pytest.fixture
def worker(ingest_services):
    worker = ingest_services.relay_worker("ingest-test-worker")
    stop = worker_thread(worker)
    yield worker
    stop()


def source_status(api, studio_id, source_id) -> str:
    return api.get(f"/v1/studios/{studio_id}/sources/{source_id}").json()["status"]


def stream_status(api, studio_id) -> dict:
    return api.get(f"/v1/studios/{studio_id}/stream-status").json()


def test_a_publisher_on_the_ingest_url_is_the_program(api, ingest, worker, tmp_path):
    ffprobe = require_executable("ffprobe")
    studio = create_studio(api, "Camera show")
    source = create_source(api, studio["id"], kind="rtmp", name="Camera")
    rtmp_url = next(e["url"] for e in source["ingest"]["endpoints"] if e["protocol"] == "rtmp")
    assert rtmp_url == f"rtmp://127.0.0.1:{ingest.port}/{source['ingest']['streamPath']}"
    assert source["status"] == "idle"
    # Each test starts on emptied tables: the ingest's next heartbeat (every 2 s) re-registers.
    expected = {"rtmp": "available", "srt": "unavailable", "whip": "unavailable"}
    wait_until(lambda: stream_status(api, studio["id"])["ingest"] == expected, 5, "rtmp available")

    # Only the stream path of an rtmp source is accepted.
    base = f"rtmp://127.0.0.1:{ingest.port}"
    for wrong in (f"{base}/inputs/rtmp-{uuid.uuid4()}", f"{base}/live/anything"):
        assert Publisher(wrong, seconds=5).start().exit_code(timeout=15) not in (None, 0), wrong

    receiver = Receiver(tmp_path, KEY).start()
    publisher = Publisher(rtmp_url).start()
    try:
        wait_until(
            lambda: source_status(api, studio["id"], source["id"]) == "live", 15, "source live"
        )
        dest = create_destination(
            api, studio["id"], "custom_rtmp", rtmpUrl=receiver.url, streamKey=KEY
        )
        api.post(f"/v1/studios/{studio['id']}/go-live")

        def live():
            body = stream_status(api, studio["id"])
            status = {d["destinationId"]: d for d in body["destinations"]}[dest["id"]]
            return body if status["status"] == "live" and status["health"]["bitrateKbps"] else None

        body = wait_until(live, 40, "destination live")
        assert body["program"] == {"kind": "source", "sourceId": source["id"]}
        wait_until(lambda: receiver.received_bytes() > 20_000, 20, "bytes at the receiver")
        assert probe_streams(ffprobe, receiver.recordings[-1]) == {"video": "h264", "audio": "aac"}

        # The publisher leaves: the source is idle again and the slate takes over.
        publisher.stop()
        wait_until(
            lambda: source_status(api, studio["id"], source["id"]) == "idle", 15, "source idle"
        )
        slate = {"kind": "slate", "sourceId": None}
        wait_until(lambda: stream_status(api, studio["id"])["program"] == slate, 20, "slate")
        api.post(f"/v1/studios/{studio['id']}/go-offline")
        wait_until(lambda: stream_status(api, studio["id"])["state"] == "offline", 15, "offline")
    finally:
        publisher.stop()
        receiver.stop()


def test_the_publisher_of_a_deleted_source_is_dropped(api, ingest):
    studio = create_studio(api, "Short-lived camera")
    source = create_source(api, studio["id"], kind="rtmp", name="Camera")
    rtmp_url = next(e["url"] for e in source["ingest"]["endpoints"] if e["protocol"] == "rtmp")
    publisher = Publisher(rtmp_url).start()
    try:
        wait_until(
            lambda: source_status(api, studio["id"], source["id"]) == "live", 15, "source live"
        )
        assert api.delete(f"/v1/studios/{studio['id']}/sources/{source['id']}").status_code == 204
        # nginx asks again every 5 s (on_update): the answer is now 403, so it drops the publisher.
        assert publisher.exit_code(timeout=15) is not None
    finally:
        publisher.stop()


def test_nginx_dies_with_a_relay_killed_outright(ingest_settings, tmp_path):
    """`trax relay` killed with SIGKILL: its nginx goes too (one process, PR_SET_PDEATHSIG), so
    nothing keeps the ingest port."""
    import os
    import signal
    import subprocess
    import sys

    from tests.support.media import pid_alive

    port = free_port()
    environment = {
        **os.environ,
        "TRAX_DATABASE_URL": ingest_settings.database_url,
        "TRAX_KEY_HASH_SECRET": ingest_settings.key_hash_secret,
        "TRAX_MEDIA_DIR": str(tmp_path),
        "TRAX_STREAM_ENGINE": "relay",
        "TRAX_INGEST_RTMP_PORT": str(port),
    }
    trax = Path(sys.executable).with_name("trax")
    relay = subprocess.Popen(
        [str(trax), "relay", "--ingest", "--worker-id", "ingest-doomed"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def nginx_child():
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    head, fields = stat.read_text().rsplit(")", 1)
                except (FileNotFoundError, ProcessLookupError):
                    continue
                if "nginx" in head and int(fields.split()[1]) == relay.pid:
                    return int(stat.parent.name)
            return None

        def group(pgid: int) -> list[int]:
            """Live processes of a process group (nginx's workers would be in its group)."""
            members = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except (FileNotFoundError, ProcessLookupError):
                    continue
                if int(fields[2]) == pgid and fields[0] != "Z":
                    members.append(int(stat.parent.name))
            return members

        nginx = wait_until(nginx_child, 15, "nginx started by trax relay")
        wait_until(lambda: len(group(nginx)) >= 1, 10, "nginx running")
        relay.send_signal(signal.SIGKILL)
        relay.wait(10)
        wait_until(lambda: not pid_alive(nginx) and not group(nginx), 10, "nginx gone")
    finally:
        if relay.poll() is None:
            relay.kill()
            relay.wait()
