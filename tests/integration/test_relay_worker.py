"""The relay's parts that need no ffmpeg: leases, the API side of the relay engine, failure
reasons, progress parsing and the re-checked publish target."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest

from server.domain.clock import utcnow
from server.domain.errors import InvalidRequest
from server.services.container import Services
from server.services.outbound import OutboundGuard, parse_networks
from server.services.stream_keys import StreamKeyVault
from server.storage.sealed_secrets import SecretKeyring
from server.streaming.ffmpeg import ProgressReader, classify_failure
from server.streaming.relay import RelayConfig, RelayWorker, backoff_seconds
from tests.support.builders import create_destination, create_studio
from tests.support.client import ApiClient
from tests.support.dns import fake_resolver

UNUSED_KEYS = StreamKeyVault(SecretKeyring.from_setting(None, "unused in these tests"))

KEY = "abcd-efgh-ijkl-mnop"


@pytest.fixture(scope="module")
def relay_services(settings, services):
    relay_services = Services.build(
        replace(settings, stream_engine="relay"), resolver=fake_resolver
    )
    yield relay_services
    relay_services.close()


@pytest.fixture
def relay_api(relay_services, services, tenant, settings):
    from server.app import create_app

    return ApiClient(
        create_app(replace(settings, stream_engine="relay"), relay_services), tenant.secret
    )


def test_go_live_records_intent_and_nothing_claims_live(relay_api):
    studio = create_studio(relay_api)
    create_destination(relay_api, studio["id"], "youtube", streamKey=KEY)
    body = relay_api.post(f"/v1/studios/{studio['id']}/go-live").json()
    assert body["state"] == "starting"
    assert [d["status"] for d in body["destinations"]] == ["starting"]
    assert body["health"] == {"bitrateKbps": None, "framesPerSecond": None, "droppedFrames": None}
    # No worker holds the studio, so going offline completes at once.
    body = relay_api.post(f"/v1/studios/{studio['id']}/go-offline").json()
    assert body["state"] == "offline" and body["program"] is None


def test_go_offline_waits_for_the_worker_holding_the_studio(relay_api, relay_services):
    studio = create_studio(relay_api)
    create_destination(relay_api, studio["id"], "youtube", streamKey=KEY)
    relay_api.post(f"/v1/studios/{studio['id']}/go-live")
    now = utcnow()
    with relay_services_uow(relay_services) as uow:
        assert uow.relay_leases.claim("w1", now, now + timedelta(seconds=30), 10) == [studio["id"]]
        uow.commit()
    body = relay_api.post(f"/v1/studios/{studio['id']}/go-offline").json()
    assert body["state"] == "stopping"  # the holder stops its processes, then moves it offline
    assert relay_api.post(f"/v1/studios/{studio['id']}/go-live").status_code == 409


def relay_services_uow(services):
    from functools import partial

    from server.services.unit_of_work import UnitOfWork
    from server.storage.database import make_session_factory

    return partial(UnitOfWork, make_session_factory(services.engine))()


def test_a_lease_has_one_holder_until_it_expires(relay_api, relay_services):
    studio = create_studio(relay_api)
    create_destination(relay_api, studio["id"], "youtube", streamKey=KEY)
    relay_api.post(f"/v1/studios/{studio['id']}/go-live")
    now = utcnow()
    with relay_services_uow(relay_services) as uow:
        assert uow.relay_leases.claim("w1", now, now + timedelta(seconds=5), 10) == [studio["id"]]
        uow.commit()
    with relay_services_uow(relay_services) as uow:
        assert uow.relay_leases.claim("w2", now, now + timedelta(seconds=5), 10) == []
        assert uow.relay_leases.renew("w1", now, now + timedelta(seconds=5)) == [studio["id"]]
        uow.commit()
    later = now + timedelta(seconds=6)  # w1 stopped renewing: its lease has expired
    with relay_services_uow(relay_services) as uow:
        assert uow.relay_leases.renew("w1", later, later + timedelta(seconds=5)) == []
        assert uow.relay_leases.claim("w2", later, later + timedelta(seconds=5), 10) == [
            studio["id"]
        ]
        uow.commit()
    with relay_services_uow(relay_services) as uow:
        assert uow.relay_leases.holder(studio["id"], later) == "w2"


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        ("Cannot open connection tcp://127.0.0.1:1935: Connection refused", "connection_refused"),
        ("Server error: Authentication failed", "key_rejected"),
        ("av_interleaved_write_frame(): Broken pipe", "connection_lost"),
        ("Error opening output rtmp://127.0.0.1/live: Input/output error", "key_rejected"),
        ("av_interleaved_write_frame(): Input/output error", "connection_lost"),
        ("Error writing trailer: Input/output error", "connection_lost"),
        ("something else entirely", "process_exited"),
    ],
)
def test_failure_reasons(stderr, reason):
    assert classify_failure(stderr) == reason


def test_progress_blocks_are_parsed():
    text = (
        b"frame=81\nfps=15.00\nbitrate= 213.8kbits/s\ntotal_size=145445\ndrop_frames=2\n"
        b"progress=continue\n"
    )
    reader = ProgressReader(io.BytesIO(text))
    reader.join()
    progress = reader.progress
    assert (progress.frame, progress.fps, progress.bitrate_kbps) == (81, 15.0, 214)
    assert (progress.total_size, progress.dropped_frames) == (145445, 2)
    na = ProgressReader(io.BytesIO(b"bitrate=N/A\ntotal_size=N/A\nprogress=continue\n"))
    na.join()
    assert na.progress.bitrate_kbps is None and na.progress.total_size == 0


def test_backoff_doubles_to_a_ceiling():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 5, 6, 10)] == [1, 2, 4, 8, 16, 30, 30]


def test_the_publish_target_is_rechecked_and_pinned_to_the_checked_address():
    records = {"ingest.example.com": ["93.184.216.34"], "inward.example.com": ["10.0.0.5"]}
    guard = OutboundGuard(lambda host: records[host])
    worker = RelayWorker(lambda: None, guard, lambda _id: None, RelayConfig(), UNUSED_KEYS)
    target = worker.publish_target("rtmp://ingest.example.com/live2")
    assert target.connect_url == "rtmp://93.184.216.34:1935/live2"
    assert target.tc_url == "rtmp://ingest.example.com/live2" and target.app == "live2"
    assert worker.publish_target("rtmps://ingest.example.com:443/rtmp").connect_url == (
        "rtmps://ingest.example.com:443/rtmp"
    )
    with pytest.raises(InvalidRequest):  # the name now points inward
        worker.publish_target("rtmp://inward.example.com/live")
    loopback = RelayWorker(
        lambda: None,
        OutboundGuard(lambda host: [], parse_networks("127.0.0.0/8")),
        lambda _id: None,
        RelayConfig(),
        UNUSED_KEYS,
    )
    assert loopback.publish_target("rtmp://127.0.0.1:1935/app").connect_url == (
        "rtmp://127.0.0.1:1935/app"
    )


def test_a_streaming_studio_no_worker_runs_is_errored_not_live(relay_api, relay_services):
    """With nobody holding its lease for longer than twice the lease (20 s here), the studio
    reads errored (relay_unavailable) and so do its outputs; it clears once a worker holds it."""
    studio = create_studio(relay_api)
    dest = create_destination(relay_api, studio["id"], "youtube", streamKey=KEY)
    path = f"/v1/studios/{studio['id']}/stream-status"
    relay_api.post(f"/v1/studios/{studio['id']}/go-live")
    # Just gone live, not yet claimed: within the bound, so starting.
    assert relay_api.get(path).json()["state"] == "starting"

    long_ago = utcnow() - timedelta(seconds=60)
    with relay_services_uow(relay_services) as uow:  # a worker held it, then died 59 s ago
        uow.relay_leases.claim("dead", long_ago, long_ago + timedelta(seconds=1), 10)
        uow.commit()
    body = relay_api.get(path).json()
    assert (body["state"], body["reason"], body["program"]) == (
        "errored",
        "relay_unavailable",
        None,
    )
    assert [(d["status"], d["reason"]) for d in body["destinations"]] == [
        ("errored", "relay_unavailable")
    ]

    now = utcnow()
    with relay_services_uow(relay_services) as uow:  # another worker takes it over
        assert uow.relay_leases.claim("w2", now, now + timedelta(seconds=30), 10) == [studio["id"]]
        uow.commit()
    body = relay_api.get(path).json()
    assert (body["state"], body["reason"]) == ("starting", None)
    assert body["destinations"][0]["destinationId"] == dest["id"]


def test_a_handed_back_lease_can_be_taken_at_once_and_says_since_when(relay_api, relay_services):
    studio = create_studio(relay_api)
    create_destination(relay_api, studio["id"], "youtube", streamKey=KEY)
    relay_api.post(f"/v1/studios/{studio['id']}/go-live")
    now = utcnow()
    with relay_services_uow(relay_services) as uow:
        uow.relay_leases.claim("w1", now, now + timedelta(seconds=30), 10)
        assert uow.relay_leases.unowned_since(studio["id"], now) is None  # held
        uow.relay_leases.expire("w1", studio["id"], now)  # w1 shuts down
        uow.commit()
    later = now + timedelta(seconds=1)
    with relay_services_uow(relay_services) as uow:
        assert uow.relay_leases.unowned_since(studio["id"], later) == now
        assert uow.relay_leases.claim("w2", later, later + timedelta(seconds=30), 10) == [
            studio["id"]
        ]


def test_without_nginx_there_is_no_rtmp_ingest_and_stream_status_says_so(
    relay_services, relay_api, settings
):
    without = Services.build(replace(settings, nginx="/nonexistent/nginx"))
    try:
        assert without.rtmp_ingest() is None
    finally:
        without.close()
    studio = create_studio(relay_api)
    body = relay_api.get(f"/v1/studios/{studio['id']}/stream-status").json()
    assert body["ingest"] == {"rtmp": "unavailable", "srt": "unavailable", "whip": "unavailable"}
