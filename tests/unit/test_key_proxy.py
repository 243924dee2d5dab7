"""The forwarder that puts a destination's stream key into the RTMP commands, so the output
process's argv only names a placeholder."""

from __future__ import annotations

import os
import socket
import threading
import time

from server.streaming.key_proxy import HANDSHAKE_BYTES, KeyInsertingProxy

KEY = "live-key-éé-9999"


def amf0(text: str) -> bytes:
    value = text.encode()
    return b"\x02" + len(value).to_bytes(2, "big") + value


class Upstream:
    """A TCP server that records what it receives."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = b""
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.received += chunk
        self.listener.close()

    def wait_closed(self):
        deadline = time.monotonic() + 3
        while self.listener.fileno() != -1 and time.monotonic() < deadline:
            time.sleep(0.01)

    def wait_for(self, size: int, timeout: float = 3.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.received) < size and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


def test_the_placeholder_is_replaced_by_the_key_even_split_across_writes():
    upstream = Upstream()
    proxy = KeyInsertingProxy("127.0.0.1", upstream.port, KEY)
    assert len(proxy.placeholder.encode()) == len(KEY.encode()) and KEY not in proxy.placeholder
    handshake = os.urandom(HANDSHAKE_BYTES)
    command = b"\x00\x07publish" + amf0(proxy.placeholder) + amf0("live")
    with socket.create_connection(("127.0.0.1", proxy.port)) as client:
        client.sendall(handshake)
        middle = 9
        client.sendall(command[:middle])
        time.sleep(0.01)
        client.sendall(command[middle:])
        received = upstream.wait_for(HANDSHAKE_BYTES + len(command))
    proxy.close()
    upstream.wait_closed()
    assert received[:HANDSHAKE_BYTES] == handshake
    assert received[HANDSHAKE_BYTES:] == b"\x00\x07publish" + amf0(KEY) + amf0("live")


def test_a_partial_match_is_not_held_back_for_ever():
    upstream = Upstream()
    proxy = KeyInsertingProxy("127.0.0.1", upstream.port, KEY)
    with socket.create_connection(("127.0.0.1", proxy.port)) as client:
        client.sendall(b"\x00" * HANDSHAKE_BYTES + b"\x00\x00\x09\x02")  # \x02 may start it
        received = upstream.wait_for(HANDSHAKE_BYTES + 4)
    proxy.close()
    upstream.wait_closed()
    assert received.endswith(b"\x00\x00\x09\x02")


def test_a_refused_upstream_is_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = KeyInsertingProxy("127.0.0.1", port, KEY)
    with socket.create_connection(("127.0.0.1", proxy.port)) as client:
        assert client.recv(1) == b""  # closed on us
    assert proxy.failure == "connection_refused"
