"""Destination ingest URLs: `rtmp://` or `rtmps://`, and a host that resolves only to public
addresses, so a destination can never point the relay at our own network (SSRF). Resolution is
checked when the URL is stored; a relay must check again when it connects (DNS can change)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from server.domain.errors import InvalidRequest

Resolver = Callable[[str], list[str]]
ALLOWED_SCHEMES = ("rtmp", "rtmps")
DEFAULT_PORTS = {"rtmp": 1935, "rtmps": 443}


def system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _numeric_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Every spelling the socket layer accepts as an IP literal (also `2130706433`, `0x7f.1`)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_unspecified)


class IngestUrlPolicy:
    def __init__(self, resolver: Resolver = system_resolver):
        self._resolve = resolver

    def check(self, url: str) -> str:
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
        numeric = _numeric_address(host)
        if numeric is not None:
            addresses = [numeric]
        else:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self._resolve(host)]
            except (OSError, UnicodeError, ValueError) as exc:
                raise InvalidRequest(f"rtmpUrl host {host!r} could not be resolved.") from exc
        if not addresses:
            raise InvalidRequest(f"rtmpUrl host {host!r} could not be resolved.")
        if not all(is_public(address) for address in addresses):
            raise InvalidRequest(
                "rtmpUrl must point at a public address (not loopback, private, link-local "
                "or metadata)."
            )
        return parts._replace(scheme=scheme).geturl()
