"""Destination ingest URLs: `rtmp://` or `rtmps://`, and a host that resolves only to public
addresses, so a destination can never point the relay at our own network (SSRF). Resolution is
checked when the URL is stored; a relay must check again when it connects (DNS can change)."""

from __future__ import annotations

from urllib.parse import urlsplit

from server.domain.errors import InvalidRequest
from server.services.outbound import OutboundGuard, Resolver, system_resolver

__all__ = ["IngestUrlPolicy", "Resolver", "system_resolver"]

ALLOWED_SCHEMES = ("rtmp", "rtmps")
DEFAULT_PORTS = {"rtmp": 1935, "rtmps": 443}


class IngestUrlPolicy:
    def __init__(self, guard: OutboundGuard | None = None) -> None:
        self._guard = guard or OutboundGuard()

    def check(self, url: str, *, caller: str) -> str:
        try:
            parts = urlsplit(url.strip())
        except ValueError as exc:  # e.g. an unbalanced "[" in the host
            raise InvalidRequest("rtmpUrl is not a valid URL.") from exc
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
            raise InvalidRequest("rtmpUrl must not contain control characters.")
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise InvalidRequest("rtmpUrl must start with rtmp:// or rtmps://.")
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError as exc:
            raise InvalidRequest("rtmpUrl has an invalid port.") from exc
        host = parts.hostname
        if not host:
            raise InvalidRequest("rtmpUrl has no host.")
        if parts.username is not None or parts.password is not None:
            raise InvalidRequest("rtmpUrl must not carry credentials; use streamKey.")
        self._guard.check_host(host, field="rtmpUrl", caller=caller)
        return parts._replace(scheme=scheme).geturl()
