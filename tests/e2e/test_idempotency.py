"""Idempotency-Key on POST (issue 16): replays byte for byte, refusals that are never stored,
the 422/409 refusals in the envelope, and barrier-synchronised duplicates through a real
server (SQLite by `make test`, PostgreSQL by `make test-postgres`): exactly one effect."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from server.domain.clock import utcnow
from server.services.idempotency import IdempotencyService
from server.storage.models import ChatMessage, ChatOutbox, IdempotencyRecord, StreamTransition
from tests.support.builders import create_destination, create_studio
from tests.support.client import ApiClient

STORM = 16


def key_header(key: str = "key-1") -> dict[str, str]:
    return {"Idempotency-Key": key}


def count(services, query) -> int:
    with services.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def studio_count(services) -> int:
    from server.storage.models import Studio

    return count(services, select(func.count()).select_from(Studio))


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["requestId"] == response.headers["X-Request-Id"]
    return error


class TestReplay:
    def test_a_repeat_replays_byte_for_byte_and_changes_nothing(self, api, services):
        first = api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        assert first.status_code == 201
        assert "Idempotent-Replayed" not in first.headers
        again = api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        assert again.status_code == 201
        assert again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["X-Request-Id"] == first.headers["X-Request-Id"]  # the original
        assert studio_count(services) == 1

    def test_the_same_document_differently_serialised_is_the_same_request(self, api, services):
        body = b'{"autoGoLive": false, "name": "Show"}'
        first = api.post(
            "/v1/studios", json={"name": "Show", "autoGoLive": False}, headers=key_header()
        )
        again = api.post(
            "/v1/studios",
            content=body,
            headers={**key_header(), "Content-Type": "application/json"},
        )
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == first.content
        assert studio_count(services) == 1

    def test_the_quoted_form_is_the_same_key(self, api, services):
        api.post("/v1/studios", json={"name": "Show"}, headers=key_header("abc"))
        again = api.post("/v1/studios", json={"name": "Show"}, headers=key_header('"abc"'))
        assert again.headers["Idempotent-Replayed"] == "true"
        assert studio_count(services) == 1

    def test_a_different_body_is_422_and_changes_nothing(self, api, services):
        api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        reused = api.post("/v1/studios", json={"name": "Other"}, headers=key_header())
        assert_envelope(reused, 422, "idempotency_key_reused")
        assert studio_count(services) == 1

    def test_keys_are_scoped_to_the_api_key_and_the_path(self, app, api, make_tenant, services):
        studio = create_studio(api)
        api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        other = ApiClient(app, make_tenant("Other").secret)
        assert (
            other.post("/v1/studios", json={"name": "Show"}, headers=key_header()).status_code
            == 201
        )
        chat = api.post(
            f"/v1/studios/{studio['id']}/chat/messages", json={"text": "hi"}, headers=key_header()
        )
        assert chat.status_code == 201 and "Idempotent-Replayed" not in chat.headers
        assert studio_count(services) == 3

    def test_a_stored_404_is_replayed(self, api):
        path = "/v1/studios/studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5/sources"
        first = api.post(path, json={"kind": "rtmp", "name": "Cam"}, headers=key_header())
        assert_envelope(first, 404, "not_found")
        again = api.post(path, json={"kind": "rtmp", "name": "Cam"}, headers=key_header())
        assert again.status_code == 404 and again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"

    def test_go_live_with_a_key_makes_one_transition(self, api, services):
        studio = create_studio(api)
        create_destination(api, studio["id"], streamKey="live-key-0001")
        path = f"/v1/studios/{studio['id']}/go-live"
        first = api.post(path, headers=key_header())
        assert first.status_code == 200
        again = api.post(path, headers=key_header())
        assert again.headers["Idempotent-Replayed"] == "true" and again.content == first.content
        steps = count(
            services,
            select(func.count())
            .select_from(StreamTransition)
            .where(StreamTransition.studio_id == studio["id"]),
        )
        assert steps == (2 if first.json()["state"] == "live" else 1)
        assert api.post(f"/v1/studios/{studio['id']}/go-offline").status_code == 200


class TestNotStored:
    def test_a_malformed_key_is_400(self, api, services):
        for bad in ("", " ", "x" * 256, "café".encode(), '"unterminated'):
            response = api.post(
                "/v1/studios", json={"name": "Show"}, headers={"Idempotency-Key": bad}
            )
            assert_envelope(response, 400, "invalid_request")
        assert studio_count(services) == 0

    def test_a_validation_400_is_not_stored(self, api, services):
        refused = api.post("/v1/studios", json={"name": ""}, headers=key_header())
        assert_envelope(refused, 400, "invalid_request")
        created = api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        assert created.status_code == 201 and "Idempotent-Replayed" not in created.headers

    def test_refusals_before_the_handler_are_not_stored(self, app, read_only_app, tenant, services):
        assert_envelope(
            ApiClient(read_only_app, tenant.secret).post(
                "/v1/studios", json={"name": "Show"}, headers=key_header()
            ),
            503,
            "write_disabled",
        )
        assert_envelope(
            ApiClient(app, "sk_live_nope").post(
                "/v1/studios", json={"name": "Show"}, headers=key_header()
            ),
            401,
            "invalid_key",
        )
        assert count(services, select(func.count()).select_from(IdempotencyRecord)) == 0
        created = ApiClient(app, tenant.secret).post(
            "/v1/studios", json={"name": "Show"}, headers=key_header()
        )
        assert created.status_code == 201 and "Idempotent-Replayed" not in created.headers

    def test_a_running_request_answers_409_with_retry_after(self, api, tenant, services):
        held = services.idempotency.begin(
            tenant.key_id, "POST", "/v1/studios", "key-1", _fingerprint({"name": "Show"})
        )
        assert not isinstance(held, bytes)
        busy = api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        assert_envelope(busy, 409, "idempotency_in_progress")
        assert int(busy.headers["Retry-After"]) >= 1
        assert studio_count(services) == 0

    def test_a_dead_reservation_is_taken_over(self, api, tenant, services):
        long_ago = IdempotencyService(
            services.unit_of_work, clock=lambda: utcnow() - timedelta(minutes=5)
        )
        long_ago.begin(
            tenant.key_id, "POST", "/v1/studios", "key-1", _fingerprint({"name": "Show"})
        )
        created = api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        assert created.status_code == 201
        assert studio_count(services) == 1

    def test_expired_records_are_purged_and_the_key_is_free_again(self, api, services):
        api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        later = IdempotencyService(
            services.unit_of_work, clock=lambda: utcnow() + timedelta(hours=25)
        )
        assert later.purge(limit=10) == 1
        assert later.purge(limit=10) == 0
        again = api.post("/v1/studios", json={"name": "Show"}, headers=key_header())
        assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
        assert studio_count(services) == 2


def _fingerprint(document: dict) -> str:
    import json

    from server.domain.idempotency import fingerprint

    return fingerprint("application/json", json.dumps(document).encode())


def storm(base_url: str, secret: str, path: str, body: dict | None, n: int = STORM):
    barrier = threading.Barrier(n)
    headers = {"Authorization": f"Bearer {secret}", **key_header("storm-1")}

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            barrier.wait(timeout=30)
            return client.post(path, json=body)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(send, range(n)))


def assert_one_effect(responses: list[httpx.Response], status: int) -> None:
    produced = [
        r for r in responses if "Idempotent-Replayed" not in r.headers and r.status_code == status
    ]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    busy = [r for r in responses if r.status_code == 409]
    assert len(produced) == 1, [r.status_code for r in responses]
    assert len(produced) + len(replayed) + len(busy) == len(responses)
    assert all(r.content == produced[0].content for r in replayed)
    for response in busy:
        assert response.json()["error"]["code"] == "idempotency_in_progress"
        assert response.json()["error"]["requestId"] == response.headers["X-Request-Id"]
        assert "Retry-After" in response.headers


class TestDuplicatesAtOnce:
    def test_sixteen_creates_make_one_studio(self, live_server, tenant, services):
        responses = storm(live_server, tenant.secret, "/studios", {"name": "Storm"})
        assert_one_effect(responses, 201)
        assert studio_count(services) == 1

    def test_sixteen_chat_sends_make_one_message_one_outbox_row_and_one_delivery(
        self, live_server, api, tenant, services
    ):
        studio = create_studio(api)
        connection = services.connections.link(tenant.account_id, "twitch", "alice_live").id
        create_destination(api, studio["id"], "twitch", connectionId=connection)
        path = f"/studios/{studio['id']}/chat/messages"
        responses = storm(live_server, tenant.secret, path, {"text": "hello"})
        assert_one_effect(responses, 201)
        assert count(services, select(func.count()).select_from(ChatMessage)) == 1
        assert count(services, select(func.count()).select_from(ChatOutbox)) == 1
        services.chat.deliver_pending()
        assert len(services.chat_adapter.recorded()) == 1
        retried = httpx.post(
            f"{live_server}{path}",
            json={"text": "hello"},
            headers={"Authorization": f"Bearer {tenant.secret}", **key_header("storm-1")},
        )
        assert retried.headers["Idempotent-Replayed"] == "true"
        assert count(services, select(func.count()).select_from(ChatMessage)) == 1


def test_the_purge_command_and_the_delivery_worker_delete_expired_records(
    api, services, settings, monkeypatch
):
    from click.testing import CliRunner

    from server.cli import main

    day_ago = IdempotencyService(
        services.unit_of_work, clock=lambda: utcnow() - timedelta(hours=25)
    )
    for key in ("old-1", "old-2", "old-3"):
        day_ago.begin("key_x", "POST", "/v1/studios", key, "f" * 64)
    api.post("/v1/studios", json={"name": "Show"}, headers=key_header("fresh"))
    records = select(func.count()).select_from(IdempotencyRecord)
    assert count(services, records) == 4

    from server.services.webhook_delivery import DeliveryWorker

    worker = DeliveryWorker(services.unit_of_work, services.outbound, services.webhook_secrets)
    worker.purge()  # what the delivery loop runs every so often
    assert count(services, records) == 1  # the fresh one stays

    day_ago.begin("key_x", "POST", "/v1/studios", "old-4", "f" * 64)
    monkeypatch.setenv("TRAX_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRAX_KEY_HASH_SECRET", settings.key_hash_secret)
    result = CliRunner().invoke(main, ["maintenance", "purge", "--json"])
    assert result.exit_code == 0, result.output
    assert '"idempotencyRecords": 1' in result.output
    assert count(services, records) == 1
