"""The embedded store's upload endpoint under slow or parallel uploads: one upload in flight per
asset, an idle deadline between chunks, a total deadline scaled to the size, and no part file
left behind by a crash."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest

from server.app import create_app
from server.storage.media_store import LocalMediaStore
from tests.support.live_server import serve

SIZE = 100


@pytest.fixture
def impatient(settings, services):
    """A live server whose uploads may idle 0.5 s and must arrive at 1,000 bytes a second."""
    app = create_app(
        replace(settings, upload_idle_timeout_seconds=0.5, upload_min_bytes_per_second=1000),
        services,
    )
    with serve(app) as base_url:
        yield base_url.removesuffix("/v1")


@pytest.fixture
def upload_url(api):
    created = api.post(
        "/v1/media", json={"filename": "a.mp4", "contentType": "video/mp4", "size": SIZE}
    ).json()
    url = urlsplit(created["upload"]["url"])
    return created["id"], f"{url.path}?{url.query}"


class RawUpload:
    """An upload sent by hand over a socket, a chunk at a time."""

    def __init__(self, origin: str, path: str):
        host, port = urlsplit(origin).hostname, urlsplit(origin).port
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(
            f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
            f"Content-Length: {SIZE}\r\nConnection: close\r\n\r\n".encode()
        )

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> tuple[int, str]:
        chunks = []
        while data := self.sock.recv(65536):
            chunks.append(data)
        self.sock.close()
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        return int(head.split()[1]), body.decode()


def test_one_upload_at_a_time_per_asset(impatient, upload_url, api, media_dir):
    media_id, path = upload_url
    first = RawUpload(impatient, path)
    first.send(b"x" * 10)
    time.sleep(0.2)
    second = httpx.put(impatient + path, content=b"y" * SIZE, headers={"Content-Type": "video/mp4"})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "upload_in_progress"
    first.send(b"x" * (SIZE - 10))
    assert first.response()[0] == 204
    assert (media_dir / media_id).read_bytes() == b"x" * SIZE
    assert not list((media_dir / ".incoming").iterdir())


def test_an_upload_that_goes_quiet_is_refused(impatient, upload_url, api, media_dir):
    media_id, path = upload_url
    upload = RawUpload(impatient, path)
    upload.send(b"x" * 10)
    started = time.monotonic()
    status, body = upload.response()  # nothing more is sent
    assert status == 408
    assert '"request_timeout"' in body and "No data arrived for 0.5 seconds" in body
    print(f"\nidle upload refused after {time.monotonic() - started:.2f} s")
    assert api.get(f"/v1/media/{media_id}").json()["status"] == "pending_upload"
    assert not list((media_dir / ".incoming").iterdir())


def test_an_upload_that_trickles_past_its_deadline_is_refused(impatient, upload_url, media_dir):
    """Never idle for long, but far slower than the rate the size allows."""
    _, path = upload_url
    upload = RawUpload(impatient, path)
    result: dict = {}
    threading.Thread(target=lambda: result.update(r=upload.response()), daemon=True).start()
    for _ in range(SIZE - 1):
        if "r" in result:
            break
        try:
            upload.send(b"x")
        except OSError:
            break
        time.sleep(0.1)
    deadline = time.monotonic() + 10
    while "r" not in result and time.monotonic() < deadline:
        time.sleep(0.05)
    status, body = result["r"]
    assert status == 408
    assert "did not arrive within 1 seconds" in body
    assert not list((media_dir / ".incoming").iterdir())


def test_part_files_left_by_a_crash_are_removed_at_start_up(settings, services, media_dir):
    store = services.media.store
    assert isinstance(store, LocalMediaStore)
    abandoned = store.new_part_file("media_01JD0000000000000000000000")
    abandoned.write_bytes(b"left by a crash")
    in_flight = store.new_part_file("media_01JD0000000000000000000001")
    in_flight.write_bytes(b"still arriving")
    with store.upload_lock("media_01JD0000000000000000000001"):
        create_app(settings, services)
        assert not abandoned.exists()
        assert in_flight.exists()


def test_requests_beyond_the_concurrency_limit_get_the_envelope(settings, services, api):
    """Two uploads hold the server's two request slots; the next request is refused at once,
    in the envelope, with Retry-After, and works again once a slot is free."""
    app = create_app(replace(settings, max_concurrent_requests=2), services)
    paths = []
    for _ in range(2):
        created = api.post(
            "/v1/media", json={"filename": "a.mp4", "contentType": "video/mp4", "size": SIZE}
        ).json()
        url = urlsplit(created["upload"]["url"])
        paths.append(f"{url.path}?{url.query}")
    with serve(app) as base_url:
        origin = base_url.removesuffix("/v1")
        holding = [RawUpload(origin, path) for path in paths]
        for upload in holding:
            upload.send(b"x")
        time.sleep(0.3)
        refused = httpx.get(f"{base_url}/health")
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "service_unavailable"
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["x-request-id"] == refused.json()["error"]["requestId"]
        for upload in holding:
            upload.send(b"x" * (SIZE - 1))
            assert upload.response()[0] == 204
        assert httpx.get(f"{base_url}/health").status_code == 200


def test_no_log_line_records_an_upload_signature():
    """uvicorn's access log (which wrote the path with its query string) is off; the request
    line names the route template (tests/e2e/test_observability.py covers a whole session)."""
    import logging

    from server.observability.logs import configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("json")
        assert logging.getLogger("uvicorn.access").disabled
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
