"""What operators see: metrics per operation, one structured log line per request with no
secret in any line, and the readiness probe."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.http.spec import OperationIndex, load_spec
from server.observability.logs import RequestIdFilter, log_formatter, quiet_libraries
from server.observability.readiness import Check, ReadinessMiddleware, database_check
from server.observability.telemetry import error_code_of, label_route
from server.storage import migrate
from tests.conftest import TEST_KEY_HASH_SECRET
from tests.helpers import create_destination, create_studio
from tests.support.client import ApiClient
from tests.test_media import create as create_media
from tests.test_media import upload as upload_media

TRAX = Path(sys.executable).parent / "trax"
UNKNOWN_STUDIO = "studio_01JDQ3B4C5D6E7F8G9H0J1K2M3"


def requests_counted(operation: str, method: str, status_class: str, error_code: str = ""):
    labels = {
        "operation": operation,
        "method": method,
        "status_class": status_class,
        "error_code": error_code,
    }
    return REGISTRY.get_sample_value("trax_http_requests_total", labels) or 0.0


# -- unit -------------------------------------------------------------------------------------


def test_requests_are_labelled_by_operation_and_route_template_never_by_raw_path():
    operations = OperationIndex(load_spec())
    assert label_route(operations, "GET", "/v1/studios/studio_123") == (
        "get_studio",
        "/v1/studios/{studioId}",
    )
    assert label_route(operations, "GET", "/v1/no/such/route") == ("unmatched", "unmatched")
    assert label_route(operations, "PUT", "/uploads/media_1?signature=s3cr3t") == (
        "media_upload",
        "/uploads/{token}",
    )
    assert label_route(operations, "GET", "/account/api-keys") == ("web_page", "web_page")


def test_the_error_code_is_read_from_the_envelope():
    assert error_code_of(404, b'{"error":{"code":"not_found","message":"x"}}') == "not_found"
    assert error_code_of(503, b"Service Unavailable") == "none"
    assert error_code_of(200, b'{"error":{"code":"ignored"}}') == ""


# -- metrics, in one process ------------------------------------------------------------------


def test_known_traffic_is_counted_per_operation_status_class_and_code(api, anonymous):
    counts = {
        "list": ("list_studios", "GET", "2xx"),
        "created": ("create_studio", "POST", "2xx"),
        "missing": ("get_studio", "GET", "4xx", "not_found"),
        "unauthenticated": ("list_studios", "GET", "4xx", "invalid_key"),
    }
    before = {name: requests_counted(*labels) for name, labels in counts.items()}
    for _ in range(3):
        api.get("/v1/studios")
    create_studio(api)
    api.get(f"/v1/studios/{UNKNOWN_STUDIO}")
    anonymous.get("/v1/studios", headers={"Authorization": "Bearer sk_live_nope"})
    after = {name: requests_counted(*labels) for name, labels in counts.items()}
    assert {name: after[name] - before[name] for name in counts} == {
        "list": 3,
        "created": 1,
        "missing": 1,
        "unauthenticated": 1,
    }
    count = REGISTRY.get_sample_value(
        "trax_http_request_duration_seconds_count", {"operation": "list_studios"}
    )
    assert count is not None and count >= 3


# -- logs -------------------------------------------------------------------------------------


@contextmanager
def captured_json_logs():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(log_formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    quiet_libraries()  # as configure_logging does: no library logs a URL it calls
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_full_session_logs_json_lines_that_hold_no_secret(app, api, tenant, services):
    stream_key = "live_0123-4567-89ab-cdef"
    password = "correct horse battery staple 42"
    with captured_json_logs() as stream:
        user = services.users.create(
            tenant.account_id, "ops@example.com", ["studios:read"], password=password
        )
        key = services.api_keys.create(tenant.account_id, "second", ["studios:read"])
        reader = ApiClient(app, key.secret)
        assert reader.get("/v1/studios").status_code == 200
        studio = create_studio(api)
        create_destination(api, studio["id"], streamKey=stream_key)
        assert api.post(f"/v1/studios/{studio['id']}/go-live").status_code == 200
        chat = api.post(f"/v1/studios/{studio['id']}/chat/messages", json={"text": "hi"})
        assert chat.status_code == 201, chat.text
        media = create_media(api)
        upload_url = media["upload"]["url"]
        assert upload_media(api, media).status_code == 204
        assert reader.post("/v1/studios", json={"name": "x"}).status_code == 403
        assert api.get(f"/v1/studios/{UNKNOWN_STUDIO}").status_code == 404
        bad = api.post("/v1/studios", json={"name": "y", "streamKey": stream_key})
        assert bad.status_code == 400
        assert api.post(f"/v1/studios/{studio['id']}/go-offline").status_code == 200
        reader.get("/v1/studios", headers={"Authorization": f"Bearer {key.secret}x"})

    lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [r for r in records if r["logger"] == "trax.request"]
    assert len(requests) >= 12
    fields = {"time", "request_id", "operation", "method", "route", "status", "duration_ms"}
    for record in requests:
        assert fields | {"key_id", "account_id", "error_code"} <= set(record)
        assert record["request_id"].startswith("req_")
    refused = [r for r in requests if r["status"] == 403]
    assert refused and refused[0]["error_code"] == "insufficient_scope"
    assert refused[0]["key_id"] == key.key.id and refused[0]["account_id"] == tenant.account_id
    assert refused[0]["operation"] == "create_studio" and refused[0]["route"] == "/v1/studios"
    assert {r["route"] for r in requests} >= {"/v1/studios", "/uploads/{token}"}
    signature = upload_url.split("?", 1)[1]
    everything = "\n".join(lines)
    assert user.email == "ops@example.com"
    for secret in (tenant.secret, key.secret, stream_key, password, signature):
        assert secret not in everything


# -- readiness --------------------------------------------------------------------------------


def probe(database, redis=None, deadline=1.0) -> httpx.Response:
    app = ReadinessMiddleware(
        Starlette(), database=database, redis=redis, deadline_seconds=deadline
    )
    with TestClient(app) as client:
        return client.get("/readyz")


def test_ready_when_the_database_answers_at_the_newest_migration(services):
    response = probe(database_check(services.engine, migrate.head_revision()))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert response.json()["status"] == "ready"
    assert response.json()["checks"]["database"]["ok"] is True


def test_not_ready_when_the_schema_is_behind(services):
    response = probe(database_check(services.engine, "9999"))
    assert response.status_code == 503
    assert response.json()["reason"].startswith("database: schema at ")


def test_not_ready_when_the_database_does_not_answer_in_time():
    def stalled() -> Check:
        time.sleep(3)
        return Check(True, "late", 3000)

    started = time.monotonic()
    response = probe(stalled, deadline=0.3)
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.json()["reason"] == "database: no answer within 0.3 s"


def test_redis_is_reported_but_not_required(services):
    def redis_down() -> Check:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    response = probe(database_check(services.engine, migrate.head_revision()), redis_down)
    assert response.status_code == 200
    redis = response.json()["checks"]["redis"]
    assert redis["ok"] is False and redis["required"] is False
    assert redis["detail"].startswith("ConnectionError: Error 111")


def test_the_app_serves_readyz_outside_v1(anonymous):
    response = anonymous.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ready"


# -- two workers, one scrape ------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_multiprocess_dir_in_this_process(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)


def test_metrics_of_two_workers_are_summed_on_the_metrics_port(tmp_path):
    env = dict(
        os.environ,
        TRAX_DATABASE_URL=f"sqlite:///{tmp_path / 'metrics.db'}",
        TRAX_KEY_HASH_SECRET=TEST_KEY_HASH_SECRET,
        TRAX_STREAM_ENGINE="bookkeeping",
        TRAX_LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics-samples"),
        TRAX_VAR_DIR=str(tmp_path / "var"),
    )

    def trax(*args: str) -> dict:
        done = subprocess.run(
            [TRAX, *args, "--json"], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout)

    trax("db", "upgrade")
    account = trax("accounts", "create", "--name", "Metered")
    key = trax("keys", "create", "--account", account["id"], "--name", "k", "--scope", "all")
    port, metrics_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [TRAX, "serve", "--port", str(port), "--workers", "2", "--no-relay",
             "--no-webhook-worker", "--metrics-port", str(metrics_port)],
            env=env, stdout=output, stderr=output,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    calls = 60
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:  # both workers
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"trax serve did not come up: {log.read_text()}"
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {key['secret']}", "Connection": "close"}
        failures: list[int] = []

        def call() -> None:
            for _ in range(calls // 6):
                status = httpx.get(f"{base}/v1/studios", headers=headers).status_code
                if status != 200:
                    failures.append(status)

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        httpx.get(f"{base}/v1/studios/{UNKNOWN_STUDIO}", headers=headers)
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    finally:
        process.terminate()
        process.wait(timeout=20)

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    listed = dict(operation="list_studios", method="GET", status_class="2xx", error_code="")
    assert value("trax_http_requests_total", **listed) == calls
    missing = dict(operation="get_studio", method="GET", status_class="4xx", error_code="not_found")
    assert value("trax_http_requests_total", **missing) == 1
    assert value("trax_http_request_duration_seconds_count", operation="list_studios") == calls
    assert value("trax_metrics_database_up") == 1
    assert value("trax_webhook_outbox_depth") == 0

    request_lines = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{") and '"trax.request"' in line
    ]
    served_by = Counter(r["process"] for r in request_lines if r["operation"] == "list_studios")
    assert sum(served_by.values()) == calls
    assert len(served_by) == 2, f"one worker served every request: {served_by}"
