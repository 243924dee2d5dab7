"""Webhooks and the events feed: events written with their change, delivered signed to a real
receiver on 127.0.0.1 that verifies each delivery with `standardwebhooks` and `svix`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

from server.app import create_app
from server.domain.pagination import PageRequest
from server.services.container import Services
from server.services.outbound import parse_networks
from server.services.webhook_delivery import RETRY_SCHEDULE
from server.storage.models import WebhookEndpoint
from server.webhooks.transport import PinnedHttpSender
from tests.support.builders import create_destination, create_studio
from tests.support.client import ApiClient
from tests.support.dns import RECORDS, fake_resolver
from tests.support.webhook_receiver import WebhookReceiver

SPEC = None


class FakeClock:
    """The delivery worker's clock: real time plus an offset the test moves forward, so retries
    spaced by hours run in real milliseconds."""

    def __init__(self):
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture(scope="module")
def loopback_settings(settings):
    return replace(settings, outbound_allowed_networks=parse_networks("127.0.0.0/8"))


@pytest.fixture(scope="module")
def loopback_services(loopback_settings, services):
    """Services on the session database whose outbound guard lets 127.0.0.0/8 through."""
    built = Services.build(loopback_settings, resolver=fake_resolver)
    yield built
    built.close()


@pytest.fixture(scope="module")
def loopback_app(loopback_settings, loopback_services):
    return create_app(loopback_settings, loopback_services)


@pytest.fixture
def wapi(loopback_app, tenant) -> ApiClient:
    return ApiClient(loopback_app, tenant.secret)


@pytest.fixture
def receiver():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def worker(loopback_services, clock):
    return loopback_services.delivery_worker(clock=clock)


def register(api, receiver, **fields) -> dict:
    response = api.post("/v1/webhooks", json={"url": receiver.url, **fields})
    assert response.status_code == 201, response.text
    receiver.secrets.append(response.json()["secret"])
    return response.json()


def event_data_schema(event_type: str) -> dict:
    from server.http.spec import load_spec

    global SPEC
    SPEC = SPEC or load_spec()
    ref = SPEC["components"]["schemas"]["EventType"]["x-trax-event-data"][event_type]["$ref"]
    return {"$ref": ref, "components": SPEC["components"]}


def assert_documented(event: dict) -> None:
    """The event's data matches the payload schema the spec documents for its type."""
    OAS30Validator(event_data_schema(event["type"])).validate(event["data"])


def all_events(api, **params) -> list[dict]:
    events, cursor = [], None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/events", params=query)
        assert page.status_code == 200, page.text
        events += page.json()["data"]
        cursor = page.json().get("nextCursor")
        if not cursor:
            return events


STREAM_SESSION = [
    "stream.starting",
    "destination.status_changed",
    "stream.live",
    "destination.status_changed",
    "stream.stopping",
    "stream.offline",
    "destination.status_changed",
]


class TestStreamSession:
    def test_go_live_to_offline_is_delivered_signed_and_in_order(self, wapi, receiver, worker):
        webhook = register(wapi, receiver)
        studio = create_studio(wapi)
        create_destination(wapi, studio["id"], streamKey="abcd-efgh-ijkl-mnop")
        live = wapi.post(f"/v1/studios/{studio['id']}/go-live", headers={"X-Request-Id": "live-1"})
        assert live.json()["state"] == "live"
        wapi.post(f"/v1/studios/{studio['id']}/go-offline", headers={"X-Request-Id": "off-1"})

        feed = all_events(wapi)
        assert [e["type"] for e in feed] == STREAM_SESSION
        assert [e["createdAt"] for e in feed] == sorted(e["createdAt"] for e in feed)
        assert [e["id"] for e in feed] == sorted(e["id"] for e in feed)
        assert {e["request"]["id"] for e in feed[:4]} == {"live-1"}
        assert {e["request"]["id"] for e in feed[4:]} == {"off-1"}
        for event in feed:
            assert_documented(event)
        assert feed[2]["data"]["object"]["state"] == "live"
        assert feed[2]["data"]["previous"] == {"state": "starting"}
        assert feed[3]["data"]["object"]["status"] == "live"
        assert feed[3]["data"]["previous"] == {"status": "starting"}
        assert "abcd" not in str(feed)  # the write-only stream key is never in an event

        assert worker.run_once() == len(STREAM_SESSION)
        received = receiver.wait_for(len(STREAM_SESSION))
        # Each body is the feed's event (deliveries run in parallel, so arrival order may vary).
        assert sorted((r.event for r in received), key=lambda e: e["id"]) == feed
        for delivery in received:
            assert delivery.event_id == delivery.event["id"]
            assert delivery.verified_with(webhook["secret"]), delivery.headers
            assert delivery.headers["content-type"] == "application/json"
            assert delivery.headers["webhook-signature"].startswith("v1,")
        attempts = wapi.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        assert [a["responseStatus"] for a in attempts] == [200] * len(STREAM_SESSION)
        assert all(a["nextRetryAt"] is None and a["error"] is None for a in attempts)
        assert worker.run_once() == 0  # delivered once, not again

    def test_the_feed_filters_by_type_and_since(self, wapi):
        studio = create_studio(wapi)
        create_destination(wapi, studio["id"], streamKey="abcd-efgh-ijkl-mnop")
        wapi.post(f"/v1/studios/{studio['id']}/go-live")
        live = all_events(wapi, type=["stream.live"])
        assert [e["type"] for e in live] == ["stream.live"]
        both = all_events(wapi, type=["stream.live", "stream.starting"])
        assert [e["type"] for e in both] == ["stream.starting", "stream.live"]
        later = all_events(wapi, since=live[0]["createdAt"])
        assert live[0]["id"] in [e["id"] for e in later]
        assert all(e["createdAt"] >= live[0]["createdAt"] for e in later)
        future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        assert wapi.get("/v1/events", params={"since": future}).json()["data"] == []
        bad = wapi.get("/v1/events", params={"type": "stream.nope"})
        assert bad.status_code == 400
        one = wapi.get(f"/v1/events/{live[0]['id']}")
        assert one.status_code == 200 and one.json() == live[0]

    def test_events_are_tenant_isolated(self, wapi, loopback_app, make_tenant):
        studio = create_studio(wapi)
        create_destination(wapi, studio["id"], streamKey="abcd-efgh-ijkl-mnop")
        wapi.post(f"/v1/studios/{studio['id']}/go-live")
        event = all_events(wapi)[0]
        other = ApiClient(loopback_app, make_tenant("Mallory").secret)
        assert other.get(f"/v1/events/{event['id']}").status_code == 404
        assert other.get("/v1/events").json()["data"] == []
        assert wapi.get("/v1/events/evt_01JDQ5A1B2C3D4E5F6G7H8J9K0").status_code == 404


class TestOtherEvents:
    def test_chat_connection_and_media_events(self, wapi, loopback_services, tenant):
        studio = create_studio(wapi)
        connection = loopback_services.connections.link(tenant.account_id, "twitch", "alice")
        message = loopback_services.chat.receive(
            tenant.account_id,
            studio["id"],
            connection.id,
            author="viewer42",
            text="hello",
            platform_message_id="p-1",
        )
        assert wapi.delete(f"/v1/connections/{connection.id}").status_code == 204
        created = wapi.post(
            "/v1/media", json={"filename": "a.mp4", "contentType": "video/mp4", "size": 4}
        ).json()
        upload = created["upload"]
        path = upload["url"].split("://", 1)[1].split("/", 1)[1]
        put = wapi.put("/" + path, content=b"abcd", headers=upload["headers"])
        assert put.status_code == 204, put.text

        feed = all_events(wapi)
        assert [e["type"] for e in feed] == ["chat.message", "connection.unlinked", "media.ready"]
        for event in feed:
            assert_documented(event)
        assert feed[0]["data"]["object"]["id"] == message.id
        assert feed[0]["request"]["id"] is None  # the platform, not an API call, caused it
        assert feed[1]["data"]["object"]["id"] == connection.id
        assert feed[1]["request"]["id"] is not None
        assert feed[2]["data"]["object"]["status"] == "ready"
        assert feed[2]["data"]["previous"] == {"status": "pending_upload"}
        assert "upload" not in feed[2]["data"]["object"]

    def test_a_chat_delivery_failing_for_good(self, wapi, loopback_services, tenant):
        studio = create_studio(wapi)
        connection = loopback_services.connections.link(tenant.account_id, "youtube", "alice")
        create_destination(wapi, studio["id"], connectionId=connection.id, streamKey="key-12345678")
        sent = wapi.post(f"/v1/studios/{studio['id']}/chat/messages", json={"text": "x" * 300})
        assert sent.json()["deliveries"][0]["status"] == "failed"
        (event,) = all_events(wapi, type=["chat.delivery_failed"])
        assert_documented(event)
        assert event["data"]["object"]["deliveries"][0]["reason"] == "text_too_long"


class TestEndpoints:
    def test_the_secret_is_shown_once_and_never_again(self, wapi, receiver):
        webhook = register(wapi, receiver, eventTypes=["stream.live"], description="alerts")
        secret = webhook["secret"]
        assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 44
        assert webhook["eventTypes"] == ["stream.live"] and webhook["description"] == "alerts"
        for response in (
            wapi.get(f"/v1/webhooks/{webhook['id']}"),
            wapi.get("/v1/webhooks"),
            wapi.patch(f"/v1/webhooks/{webhook['id']}", json={"description": "new"}),
            wapi.post(f"/v1/webhooks/{webhook['id']}/test"),
            wapi.get("/v1/events"),
        ):
            assert response.status_code < 300, response.text
            assert secret not in response.text and "secret" not in response.json()

    def test_stored_encrypted(self, wapi, receiver, loopback_services):
        webhook = register(wapi, receiver)
        with loopback_services.unit_of_work() as uow:
            row = uow.session.get(WebhookEndpoint, webhook["id"])
        assert webhook["secret"] not in row.secret_ciphertext
        assert loopback_services.webhook_secrets.open(row.secret_ciphertext) == webhook["secret"]

    def test_subscriptions_patch_delete(self, wapi, receiver, worker):
        webhook = register(wapi, receiver, eventTypes=["stream.offline"])
        studio = create_studio(wapi)
        create_destination(wapi, studio["id"], streamKey="abcd-efgh-ijkl-mnop")
        wapi.post(f"/v1/studios/{studio['id']}/go-live")
        wapi.post(f"/v1/studios/{studio['id']}/go-offline")
        worker.run_once()
        assert [r.event["type"] for r in receiver.wait_for(1)] == ["stream.offline"]
        patched = wapi.patch(f"/v1/webhooks/{webhook['id']}", json={"eventTypes": None})
        assert patched.json()["eventTypes"] is None
        bad = wapi.patch(f"/v1/webhooks/{webhook['id']}", json={"eventTypes": ["nope.nope"]})
        assert bad.status_code == 400
        assert wapi.delete(f"/v1/webhooks/{webhook['id']}").status_code == 204
        assert wapi.get(f"/v1/webhooks/{webhook['id']}").status_code == 404

    def test_test_event_goes_to_that_endpoint_only_and_redeliver(self, wapi, receiver, worker):
        first = register(wapi, receiver)
        register(wapi, receiver)
        test = wapi.post(f"/v1/webhooks/{first['id']}/test")
        assert test.status_code == 202 and test.json()["type"] == "webhook.test"
        assert_documented(test.json())
        assert worker.run_once() == 1
        (delivery,) = receiver.wait_for(1)
        assert delivery.event_id == test.json()["id"]
        assert delivery.verified_with(first["secret"])
        again = wapi.post(f"/v1/webhooks/{first['id']}/events/{test.json()['id']}/redeliver")
        assert again.status_code == 202 and again.json()["status"] == "pending"
        assert worker.run_once() == 1
        received = receiver.wait_for(2)
        assert received[1].event_id == received[0].event_id  # the same webhook-id
        missing = wapi.post(
            f"/v1/webhooks/{first['id']}/events/evt_01JDQ5A1B2C3D4E5F6G7H8J9K0/redeliver"
        )
        assert missing.status_code == 404

    def test_another_tenants_webhook_is_not_found(self, wapi, receiver, loopback_app, make_tenant):
        webhook = register(wapi, receiver)
        other = ApiClient(loopback_app, make_tenant("Mallory").secret)
        assert other.get(f"/v1/webhooks/{webhook['id']}").status_code == 404
        assert other.post(f"/v1/webhooks/{webhook['id']}/test").status_code == 404
        assert other.delete(f"/v1/webhooks/{webhook['id']}").status_code == 404


class TestFaults:
    def test_receiver_down_then_back(self, wapi, receiver, worker, clock):
        webhook = register(wapi, receiver)
        receiver.stop()
        event = wapi.post(f"/v1/webhooks/{webhook['id']}/test").json()
        assert worker.run_once() == 1  # refused: the receiver is down
        assert worker.run_once() == 0  # not due again yet
        clock.advance(seconds=RETRY_SCHEDULE[0].total_seconds() * 1.1 + 0.1)
        assert worker.run_once() == 1
        clock.advance(seconds=RETRY_SCHEDULE[1].total_seconds() * 0.85)
        assert worker.run_once() == 0  # the second retry is about 5 minutes later
        receiver.start()
        clock.advance(seconds=RETRY_SCHEDULE[1].total_seconds() * 0.3)
        assert worker.run_once() == 1
        (delivery,) = receiver.wait_for(1)
        assert delivery.event_id == event["id"] and delivery.verified_with(webhook["secret"])
        attempts = wapi.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        assert [a["error"] for a in attempts] == ["connection_failed", "connection_failed", None]
        assert [a["responseStatus"] for a in attempts] == [None, None, 200]
        first_retry = datetime.fromisoformat(attempts[0]["nextRetryAt"])
        first_at = datetime.fromisoformat(attempts[0]["attemptedAt"])
        assert timedelta(seconds=4.4) <= first_retry - first_at <= timedelta(seconds=5.6)
        assert attempts[2]["nextRetryAt"] is None

    def test_every_retry_then_giving_up(self, wapi, receiver, worker, clock):
        webhook = register(wapi, receiver)
        receiver.status = 500
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        for delay in RETRY_SCHEDULE:
            assert worker.run_once() == 1
            clock.advance(seconds=delay.total_seconds() * 1.11)
        assert worker.run_once() == 1  # the eighth and last attempt
        clock.advance(days=2)
        assert worker.run_once() == 0
        attempts = wapi.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        assert len(attempts) == 1 + len(RETRY_SCHEDULE)
        assert all(a["responseStatus"] == 500 for a in attempts)
        assert attempts[-1]["nextRetryAt"] is None
        assert len(receiver.received) == 1 + len(RETRY_SCHEDULE)

    def test_retry_after_is_respected(self, wapi, receiver, worker):
        webhook = register(wapi, receiver)
        receiver.status, receiver.response_headers = 429, {"Retry-After": "120"}
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        worker.run_once()
        (attempt,) = wapi.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        wait = datetime.fromisoformat(attempt["nextRetryAt"]) - datetime.fromisoformat(
            attempt["attemptedAt"]
        )
        assert attempt["responseStatus"] == 429
        assert timedelta(seconds=119) <= wait <= timedelta(seconds=121)

    def test_410_disables_at_once_and_records_webhook_disabled(self, wapi, receiver, worker):
        gone = register(wapi, receiver)
        watcher_receiver = WebhookReceiver().start()
        try:
            watcher = register(wapi, watcher_receiver, eventTypes=["webhook.disabled"])
            receiver.status = 410
            wapi.post(f"/v1/webhooks/{gone['id']}/test")
            worker.run_once()
            endpoint = wapi.get(f"/v1/webhooks/{gone['id']}").json()
            assert endpoint["enabled"] is False and endpoint["disabledReason"] == "gone"
            (disabled,) = all_events(wapi, type=["webhook.disabled"])
            assert_documented(disabled)
            assert disabled["data"]["object"]["id"] == gone["id"]
            assert disabled["data"]["previous"] == {"enabled": True}
            assert disabled["request"]["id"] is None
            worker.run_once()
            (notice,) = watcher_receiver.wait_for(1)
            assert notice.event_id == disabled["id"]
            assert notice.verified_with(watcher["secret"])
            test = wapi.post(f"/v1/webhooks/{gone['id']}/test")
            assert test.status_code == 409 and test.json()["error"]["code"] == "webhook_disabled"
            enabled = wapi.patch(f"/v1/webhooks/{gone['id']}", json={"enabled": True}).json()
            assert enabled["enabled"] is True and enabled["disabledReason"] is None
        finally:
            watcher_receiver.stop()

    def test_five_days_of_failures_disable(self, wapi, receiver, worker, clock):
        webhook = register(wapi, receiver)
        receiver.status = 503
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        worker.run_once()
        clock.advance(days=4, hours=23)
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        worker.run_once()  # both due: the retry and the new event; still within 5 days
        assert wapi.get(f"/v1/webhooks/{webhook['id']}").json()["enabled"] is True
        clock.advance(hours=2)
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        worker.run_once()
        endpoint = wapi.get(f"/v1/webhooks/{webhook['id']}").json()
        assert endpoint["enabled"] is False and endpoint["disabledReason"] == "failing"
        assert len(all_events(wapi, type=["webhook.disabled"])) == 1

    def test_a_worker_killed_mid_delivery_loses_nothing(
        self, wapi, receiver, loopback_settings, loopback_services, clock
    ):
        """The worker process dies after the commit, while the attempt is in flight; a new
        worker delivers the event once the dead one's lease has run out."""
        if not loopback_settings.database_url.startswith(("sqlite", "postgresql")):
            pytest.skip("needs a database a second process can open")
        webhook = register(wapi, receiver)
        receiver.delay = 30  # the first attempt hangs in the receiver
        event = wapi.post(f"/v1/webhooks/{webhook['id']}/test").json()
        env = {
            **os.environ,
            "TRAX_DATABASE_URL": loopback_settings.database_url,
            "TRAX_KEY_HASH_SECRET": loopback_settings.key_hash_secret,
            "TRAX_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("trax")), "webhooks", "deliver"], env=env
        )
        try:
            deadline = time.monotonic() + 30
            while not receiver._in_flight.get(event["id"]):
                assert time.monotonic() < deadline, "the worker never attempted the delivery"
                assert process.poll() is None
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        receiver.delay = 0
        worker = loopback_services.delivery_worker(clock=clock)
        assert worker.run_once() == 0  # the dead worker's lease still holds it
        clock.advance(seconds=61)
        assert worker.run_once() == 1
        delivered = [r for r in receiver.wait_for(2, timeout=40) if r.event_id == event["id"]]
        assert delivered and all(r.verified_with(webhook["secret"]) for r in delivered)


class TestRotation:
    def test_both_secrets_sign_for_24_hours_then_only_the_new(self, wapi, receiver, worker, clock):
        webhook = register(wapi, receiver)
        old = webhook["secret"]
        rotated = wapi.post(f"/v1/webhooks/{webhook['id']}/rotate-secret")
        assert rotated.status_code == 200
        new = rotated.json()["secret"]
        assert new != old and new.startswith("whsec_")
        receiver.secrets.append(new)
        expires = datetime.fromisoformat(rotated.json()["previousSecretExpiresAt"])
        assert timedelta(hours=23, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=24)

        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        clock.advance(hours=23)
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        worker.run_once()
        within = receiver.wait_for(2)
        for delivery in within:
            assert len(delivery.headers["webhook-signature"].split(" ")) == 2
            assert delivery.verified_with(old) and delivery.verified_with(new)

        clock.advance(hours=1, minutes=1)
        wapi.post(f"/v1/webhooks/{webhook['id']}/test")
        worker.run_once()
        after = receiver.wait_for(3)[2]
        assert len(after.headers["webhook-signature"].split(" ")) == 1
        assert after.verified_with(new)
        assert not after.standard[old] and not after.svix[old]


SSRF_URLS = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://10.0.0.8/hook",
    "https://192.168.1.1/hook",
    "https://172.16.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[fd00:ec2::254]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://2130706433/hook",  # 127.0.0.1 in decimal
    "https://0x7f000001/hook",  # and in hex
    "https://0x7f.1/hook",
    "https://0.0.0.0/hook",
    "https://internal.example.com/hook",  # a name resolving inward
    "https://metadata.example.com/hook",
    "https://mapped.example.com/hook",
    "https://rebind.example.com/hook",  # one public and one loopback address
    "http://hooks.example.com/hook",  # plain http to a public address
    "ftp://hooks.example.com/hook",
    "https://user:pw@hooks.example.com/hook",
    "https://no-such-host.example.org/hook",
]


class TestOutboundGuard:
    @pytest.mark.parametrize("url", SSRF_URLS)
    def test_refused_with_an_empty_allowlist(self, api, url):
        response = api.post("/v1/webhooks", json={"url": url})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_request"
        assert api.get("/v1/webhooks").json()["data"] == []

    @pytest.mark.parametrize("url", SSRF_URLS[:3])
    def test_refused_on_update_too(self, api, url):
        created = api.post("/v1/webhooks", json={"url": "https://hooks.example.com/t"})
        assert created.status_code == 201
        response = api.patch(f"/v1/webhooks/{created.json()['id']}", json={"url": url})
        assert response.status_code == 400

    def test_https_to_a_public_address_is_accepted(self, api):
        assert (
            api.post("/v1/webhooks", json={"url": "https://hooks.example.com/t"}).status_code == 201
        )

    def test_checked_again_at_delivery_time(self, loopback_settings, tenant, clock):
        """A name that resolved to a public address at registration and inward at delivery
        is refused at delivery (no connection is made)."""
        records = dict(RECORDS)
        records["flip.example.com"] = ["93.184.215.14"]
        services = Services.build(loopback_settings, resolver=lambda host: records[host])
        sent = []

        class RecordingSender:
            def send(self, request):
                sent.append(request)

        try:
            endpoint, _ = services.webhooks.create(
                tenant.account_id,
                url="https://flip.example.com/hook",
                event_types=None,
                description="",
                enabled=True,
            )
            services.webhooks.send_test(tenant.account_id, endpoint.id)
            records["flip.example.com"] = ["10.0.0.1"]
            worker = services.delivery_worker(clock=clock, sender=RecordingSender())
            assert worker.run_once() == 1
            assert sent == []
            page = services.webhooks.attempts(tenant.account_id, endpoint.id, PageRequest(10, None))
            (attempt,) = page.items
            assert attempt.error == "address_refused" and attempt.response_status is None
        finally:
            services.close()


def test_the_sender_connects_to_the_checked_address_not_a_new_lookup(receiver):
    """The URL names a host that does not resolve anywhere; the request still reaches the
    pinned 127.0.0.1 with the URL's Host header."""
    from server.webhooks.transport import DeliveryRequest, PinnedHttpSender

    url = f"http://never-resolves.invalid:{receiver.port}/hooks/trax"
    response = PinnedHttpSender().send(
        DeliveryRequest(url, "127.0.0.1", {"webhook-id": "evt_x"}, b"{}")
    )
    assert response.status == 200 and response.error is None
    (received,) = receiver.wait_for(1)
    assert received.headers["host"] == f"never-resolves.invalid:{receiver.port}"


def test_redirects_are_not_followed(receiver):
    from server.webhooks.transport import DeliveryRequest, PinnedHttpSender

    receiver.status, receiver.response_headers = 302, {"Location": "http://127.0.0.1:1/"}
    response = PinnedHttpSender().send(
        DeliveryRequest(receiver.url, "127.0.0.1", {"webhook-id": "evt_x"}, b"{}")
    )
    assert response.status == 302
    assert len(receiver.wait_for(1)) == 1


def test_cli_deliver_once(wapi, receiver, loopback_settings, monkeypatch):
    from click.testing import CliRunner

    from server.cli import main

    webhook = register(wapi, receiver)
    wapi.post(f"/v1/webhooks/{webhook['id']}/test")
    monkeypatch.setenv("TRAX_DATABASE_URL", loopback_settings.database_url)
    monkeypatch.setenv("TRAX_KEY_HASH_SECRET", loopback_settings.key_hash_secret)
    monkeypatch.setenv("TRAX_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")
    result = CliRunner().invoke(main, ["webhooks", "deliver", "--once", "--json"])
    assert result.exit_code == 0, result.output
    assert '"attempts": 1' in result.output
    (delivery,) = receiver.wait_for(1)
    assert delivery.verified_with(webhook["secret"])
    purge = CliRunner().invoke(main, ["maintenance", "purge", "--json"])
    assert purge.exit_code == 0 and '"deleted": 0' in purge.output


class CountingSender:
    def __init__(self):
        self.sent = 0
        self._inner = PinnedHttpSender()

    def send(self, request):
        self.sent += 1
        return self._inner.send(request)


@pytest.mark.postgres
def test_two_workers_deliver_every_event_and_never_one_twice_at_once(
    wapi, receiver, loopback_settings, loopback_services, tenant
):
    """Two delivery workers, each with its own engine (as on two machines), lease with
    FOR UPDATE SKIP LOCKED: every event arrives, none twice, none concurrently."""
    webhook = register(wapi, receiver)
    receiver.delay = 0.005
    events = [
        loopback_services.webhooks.send_test(tenant.account_id, webhook["id"]).id
        for _ in range(150)
    ]
    workers, senders = [], []
    for _ in range(2):
        services = Services.build(loopback_settings, resolver=fake_resolver)
        sender = CountingSender()
        workers.append((services, services.delivery_worker(sender=sender)))
        senders.append(sender)
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for _, w in workers]
    for thread in threads:
        thread.start()
    try:
        receiver.wait_for(len(events), timeout=120)
        time.sleep(0.5)  # anything delivered twice would arrive now
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        for services, _ in workers:
            services.close()
    delivered = [r.event_id for r in receiver.received]
    assert sorted(delivered) == sorted(events)  # every event, none twice
    assert receiver.max_concurrent_per_event == 1
    assert all(sender.sent > 0 for sender in senders), [s.sent for s in senders]
    assert all(r.verified_with(webhook["secret"]) for r in receiver.received)


def test_serve_delivers_in_the_background(wapi, receiver, loopback_settings):
    """What `trax serve` starts beside uvicorn (unless --no-webhook-worker)."""
    from server.services.webhook_delivery import start_background_delivery

    webhook = register(wapi, receiver)
    stop = start_background_delivery(loopback_settings)
    try:
        event = wapi.post(f"/v1/webhooks/{webhook['id']}/test").json()
        (delivery,) = receiver.wait_for(1, timeout=20)
        assert delivery.event_id == event["id"] and delivery.verified_with(webhook["secret"])
    finally:
        stop()


def _self_signed(tmp_path, hostname: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_to_the_pinned_address_keeps_sni_and_the_certificate_check(tmp_path):
    """Connecting to the checked IP still speaks TLS to the hostname: SNI and certificate
    verification use the URL's host, so a certificate for another name is refused."""
    import ssl
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from server.webhooks.transport import DeliveryRequest, PinnedHttpSender

    cert_path, key_path = _self_signed(tmp_path, "hooks.test")
    seen_sni = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    server_context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        client_context = ssl.create_default_context(cafile=str(cert_path))
        sender = PinnedHttpSender(ssl_context=client_context)
        good = sender.send(DeliveryRequest(f"https://hooks.test:{port}/t", "127.0.0.1", {}, b"{}"))
        assert good.status == 204 and good.error is None
        assert seen_sni[-1] == "hooks.test"
        wrong = sender.send(DeliveryRequest(f"https://other.test:{port}/t", "127.0.0.1", {}, b"{}"))
        assert wrong.status is None and wrong.error == "tls_error"
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_endpoint_does_not_delay_the_others(wapi, loopback_services, tenant):
    slow, fast = WebhookReceiver().start(), WebhookReceiver().start()
    try:
        slow_hook, fast_hook = register(wapi, slow), register(wapi, fast)
        slow.delay = 5
        for _ in range(6):  # more than the slow endpoint may hold at once
            wapi.post(f"/v1/webhooks/{slow_hook['id']}/test")
        stop = threading.Event()
        worker = loopback_services.delivery_worker()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        try:
            time.sleep(0.5)  # the slow endpoint's attempts are in flight
            started = time.monotonic()
            wapi.post(f"/v1/webhooks/{fast_hook['id']}/test")
            (delivery,) = fast.wait_for(1, timeout=4)
            print(f"fast endpoint served in {time.monotonic() - started:.3f} s beside a slow one")
            assert delivery.verified_with(fast_hook["secret"])
            assert len(slow.received) == 0  # still hanging in the slow receiver
        finally:
            stop.set()
            slow.delay = 0
            thread.join(20)
    finally:
        slow.stop()
        fast.stop()


def test_retry_schedule_jitter_and_retry_after_forms():
    import random

    from server.services.webhook_delivery import retry_delay

    rng = random.Random(7)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    for attempt, nominal in enumerate(RETRY_SCHEDULE, start=1):
        for _ in range(20):
            delay = retry_delay(attempt, 500, None, rng, now)
            assert nominal * 0.9 <= delay <= nominal * 1.1
    assert retry_delay(len(RETRY_SCHEDULE) + 1, 500, None, rng, now) is None
    assert retry_delay(1, 503, "30", rng, now) == timedelta(seconds=30)
    http_date = "Tue, 01 Dec 2026 12:10:00 GMT"
    assert retry_delay(1, 429, http_date, rng, now) == timedelta(minutes=10)
    assert retry_delay(1, 429, "999999999", rng, now) == timedelta(hours=24)
    assert retry_delay(1, 500, "30", rng, now) != timedelta(seconds=30)  # only on 429/503
    assert timedelta(seconds=4.5) <= retry_delay(1, 429, "soon", rng, now) <= timedelta(seconds=5.5)


def test_a_resolver_that_is_down_is_a_failed_attempt_retried_later(
    loopback_settings, tenant, clock
):
    from server.domain.errors import ServiceUnavailable

    lookups = {"down": False}

    def resolver(host):
        if lookups["down"]:
            raise ServiceUnavailable("DNS is down")
        return ["93.184.215.14"]

    services = Services.build(loopback_settings, resolver=resolver)
    try:
        endpoint, _ = services.webhooks.create(
            tenant.account_id,
            url="https://hooks.example.com/x",
            event_types=None,
            description="",
            enabled=True,
        )
        services.webhooks.send_test(tenant.account_id, endpoint.id)
        lookups["down"] = True
        assert services.delivery_worker(clock=clock).run_once() == 1
        page = services.webhooks.attempts(tenant.account_id, endpoint.id, PageRequest(10, None))
        (attempt,) = page.items
        assert attempt.error == "dns_unavailable" and attempt.next_retry_at is not None
    finally:
        services.close()
