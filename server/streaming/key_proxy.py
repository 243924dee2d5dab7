"""Keeps a destination's stream key out of its output process's command line.

ffmpeg takes the RTMP stream name (the key) only as an argument (`-rtmp_playpath`, or the
URL's path), and `/proc/PID/cmdline` is readable by every local user. ffmpeg ≥ 7 can read an
option's value from a file (`-/option path`), but only for its own options (`-/vf` works),
not for a protocol's AVOptions: `-/rtmp_playpath` is "Unrecognized option" in 9.0.2.

So each output connects to a one-connection loopback forwarder instead of the destination. Its
argv names a random placeholder of the key's byte length; the forwarder, which holds the key in
this process's memory only, replaces the placeholder's AMF0 string with the key's in the RTMP
commands ffmpeg sends (releaseStream, FCPublish, publish), then relays bytes unchanged. Equal
lengths mean no RTMP length field changes. The forwarder connects to the address the outbound
guard checked and, for rtmps://, does TLS itself (verifying the certificate for the host name).
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import ssl
import string
import threading

HANDSHAKE_BYTES = 1 + 1536 + 1536  # C0, C1, C2: opaque, never rewritten
SCAN_BYTES = 64 * 1024  # the commands come right after the handshake; video after that
HOLD_SECONDS = 0.05  # a held partial match is sent as it is when nothing follows this soon
CONNECT_TIMEOUT_SECONDS = 10.0
ACCEPT_TIMEOUT_SECONDS = 20.0
_PLACEHOLDER_ALPHABET = string.ascii_letters + string.digits


def _amf0_string(value: bytes) -> bytes:
    return b"\x02" + len(value).to_bytes(2, "big") + value


class KeyInsertingProxy:
    def __init__(
        self,
        address: str,
        port: int,
        stream_key: str,
        tls_server_name: str | None = None,
    ):
        key = stream_key.encode()
        self.placeholder = "".join(secrets.choice(_PLACEHOLDER_ALPHABET) for _ in key)
        self._needle = _amf0_string(self.placeholder.encode())
        self._replacement = _amf0_string(key)
        self._upstream_address = (address, port)
        self._tls_server_name = tls_server_name
        self.failure: str | None = None  # why the upstream connection failed, if it did
        self._sockets: list[socket.socket] = []
        self._closed = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(ACCEPT_TIMEOUT_SECONDS)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True, name="trax-key-proxy").start()

    def close(self) -> None:
        self._closed.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _serve(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                self._listener.close()
        self._sockets.append(client)
        upstream = self._connect()
        if upstream is None:
            self.close()
            return
        self._sockets.append(upstream)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump_with_key(client, upstream)

    def _connect(self) -> socket.socket | None:
        try:
            upstream = socket.create_connection(self._upstream_address, CONNECT_TIMEOUT_SECONDS)
        except ConnectionRefusedError:
            self.failure = "connection_refused"
            return None
        except TimeoutError:
            self.failure = "connection_timeout"
            return None
        except OSError:
            self.failure = "connection_failed"
            return None
        if self._tls_server_name is not None:
            try:
                context = ssl.create_default_context()
                upstream = context.wrap_socket(upstream, server_hostname=self._tls_server_name)
            except (OSError, ssl.SSLError):
                self.failure = "connection_failed"
                return None
        upstream.settimeout(None)
        return upstream

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            self.close()

    def _pump_with_key(self, client: socket.socket, upstream: socket.socket) -> None:
        """ffmpeg → destination: the handshake as it is, then the commands with the key put in
        place of the placeholder, then everything else as it is."""
        try:
            forwarded = 0
            held = b""
            while forwarded < HANDSHAKE_BYTES + SCAN_BYTES:
                client.settimeout(HOLD_SECONDS if held else None)
                try:
                    chunk = client.recv(65536)
                except TimeoutError:
                    upstream.sendall(held)  # a partial match that was not one
                    forwarded, held = forwarded + len(held), b""
                    continue
                if not chunk:
                    upstream.sendall(held)
                    return
                data = held + chunk
                if forwarded < HANDSHAKE_BYTES:
                    opaque = data[: HANDSHAKE_BYTES - forwarded]
                    upstream.sendall(opaque)
                    forwarded += len(opaque)
                    data = data[len(opaque) :]
                data = data.replace(self._needle, self._replacement)
                keep = self._partial_match_length(data)
                send = data[: len(data) - keep]
                upstream.sendall(send)
                forwarded += len(send)
                held = data[len(data) - keep :]
            client.settimeout(None)
            if held:
                upstream.sendall(held)
            while chunk := client.recv(65536):
                upstream.sendall(chunk)
        except OSError:
            pass
        finally:
            self.close()

    def _partial_match_length(self, data: bytes) -> int:
        """How many trailing bytes of `data` could be the start of the placeholder's string."""
        for length in range(min(len(self._needle) - 1, len(data)), 0, -1):
            if self._needle.startswith(data[-length:]):
                return length
        return 0
