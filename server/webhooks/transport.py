"""Sending one webhook request to the exact address the outbound guard checked.

httpx resolves the URL's host itself when it connects; a second lookup is what a DNS rebind
attack changes. So each attempt builds a transport whose httpcore network backend ignores the
host it is asked for and connects to the pinned address instead, while the request keeps the
URL: the Host header, the TLS SNI and the certificate check all stay on the hostname."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpcore
import httpx

TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class DeliveryRequest:
    url: str
    address: str  # the checked IP address to connect to
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class DeliveryResponse:
    status: int | None  # None: no HTTP response (network error, timeout)
    error: str | None
    retry_after: str | None
    duration_ms: int


class Sender(Protocol):
    def send(self, request: DeliveryRequest) -> DeliveryResponse: ...


class _PinnedBackend(httpcore.SyncBackend):
    def __init__(self, address: str) -> None:
        self._address = address

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        return super().connect_tcp(self._address, port, timeout, local_address, socket_options)


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, address: str, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, retries=0, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            retries=0,
            network_backend=_PinnedBackend(address),
        )


class PinnedHttpSender:
    """POSTs with a 15 s timeout, never following redirects (a 3xx is just a failure)."""

    def __init__(
        self, ssl_context: ssl.SSLContext | None = None, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._timeout = timeout

    def send(self, request: DeliveryRequest) -> DeliveryResponse:
        started = time.monotonic()
        transport = _PinnedTransport(request.address, self._ssl_context)
        try:
            client = httpx.Client(
                transport=transport, timeout=self._timeout, follow_redirects=False, trust_env=False
            )
            # Streamed and never read: the status is all that counts.
            with (
                client,
                client.stream(
                    "POST", request.url, content=request.body, headers=request.headers
                ) as response,
            ):
                status, retry_after = response.status_code, response.headers.get("retry-after")
        except httpx.TimeoutException:
            return DeliveryResponse(None, "timeout", None, _elapsed_ms(started))
        except httpx.ConnectError as exc:
            error = "tls_error" if _caused_by_tls(exc) else "connection_failed"
            return DeliveryResponse(None, error, None, _elapsed_ms(started))
        except httpx.HTTPError:
            return DeliveryResponse(None, "protocol_error", None, _elapsed_ms(started))
        return DeliveryResponse(status, None, retry_after, _elapsed_ms(started))


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
