"""A real webhook receiver on 127.0.0.1: an HTTP server thread that verifies every delivery with
two libraries independent of our code, `standardwebhooks` and `svix`."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks
import svix.webhooks


@dataclass
class Received:
    event_id: str
    body: bytes
    headers: dict[str, str]
    received_at: float  # time.time()
    # secret -> verified by standardwebhooks / by svix
    standard: dict[str, bool] = field(default_factory=dict)
    svix: dict[str, bool] = field(default_factory=dict)

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    def verified_with(self, secret: str) -> bool:
        return self.standard.get(secret, False) and self.svix.get(secret, False)


def _verifies(verifier, body: bytes, headers: dict[str, str]) -> bool:
    try:
        verifier.verify(body, dict(headers))
        return True
    except Exception:
        return False


class WebhookReceiver:
    """`secrets`: every secret to verify each delivery with. `respond` decides the answer:
    (status, headers) for a request; `delay` holds each answer that many seconds."""

    def __init__(self):
        self.secrets: list[str] = []
        self.received: list[Received] = []
        self.status = 200
        self.response_headers: dict[str, str] = {}
        self.delay = 0.0
        self.max_concurrent_per_event = 0
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port: int | None = None
        self.arrived = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/trax"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                event_id = headers.get("webhook-id", "")
                with receiver._lock:
                    receiver._in_flight[event_id] = receiver._in_flight.get(event_id, 0) + 1
                    receiver.max_concurrent_per_event = max(
                        receiver.max_concurrent_per_event, receiver._in_flight[event_id]
                    )
                try:
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    record = Received(event_id, body, headers, time.time())
                    for secret in list(receiver.secrets):
                        record.standard[secret] = _verifies(
                            standardwebhooks.Webhook(secret), body, headers
                        )
                        record.svix[secret] = _verifies(
                            svix.webhooks.Webhook(secret), body, headers
                        )
                    status, extra = receiver.status, dict(receiver.response_headers)
                    with receiver.arrived:
                        receiver.received.append(record)
                        receiver.arrived.notify_all()
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("content-length", "0")
                    self.end_headers()
                finally:
                    with receiver._lock:
                        receiver._in_flight[event_id] -= 1

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until start() again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received)} of {count} deliveries arrived")
                self.arrived.wait(left)
            return list(self.received)
