"""The outbound guard: every host the platform connects to on a customer's behalf (destination
RTMP URLs, webhook URLs) must resolve only to public addresses, so a customer can never point us
at our own network (SSRF). One deployment setting, `TRAX_OUTBOUND_ALLOWED_NETWORKS`, lets listed
networks through (local development and tests use 127.0.0.0/8 for loopback receivers).

`check_host` returns the addresses it checked: a connector should connect to one of those, not
resolve the name again (a second lookup is what a DNS rebind attack changes)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout

from server.domain.errors import InvalidRequest, ServiceUnavailable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def numeric_address(host: str) -> IPAddress | None:
    """Every spelling the socket layer accepts as an IP literal (also `2130706433`, `0x7f.1`)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


# IPv6 ranges that carry an IPv4 address in their last 32 bits: the address connected to in the
# end is the embedded one, so that one is checked (NAT64 would reach 127.0.0.1 or the metadata
# service through 64:ff9b::7f00:1).
_EMBEDDING_V4 = (
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped (RFC 4291)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # SIIT IPv4-translated (RFC 2765)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
)
# Deprecated or local-only ranges, refused whatever they embed.
_REFUSED_V6 = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated by RFC 4291)
    ipaddress.IPv6Network("fec0::/10"),  # site-local (deprecated by RFC 3879)
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, SIIT, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if any(address in network for network in _EMBEDDING_V4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _unwrapped(address: IPAddress) -> IPAddress:
    return embedded_ipv4(address) or address


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and any(
        address in network for network in _REFUSED_V6
    ):
        return False
    address = _unwrapped(address)
    return address.is_global and not (address.is_multicast or address.is_unspecified)


def parse_networks(text: str | None) -> tuple[IPNetwork, ...]:
    """`TRAX_OUTBOUND_ALLOWED_NETWORKS`: comma-separated CIDRs (`127.0.0.0/8, ::1/128`)."""
    networks = []
    for item in (text or "").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=True))
            except ValueError as exc:
                raise ValueError(
                    f"TRAX_OUTBOUND_ALLOWED_NETWORKS: {item.strip()!r} is not a CIDR network "
                    f"(for example 127.0.0.0/8)"
                ) from exc
    return tuple(networks)


# Lookups in flight at once, in all and per caller (an account). A name server that answers
# slowly holds a lookup thread until it answers, however long the request waits: these bounds
# keep such lookups from filling the request threads, so one tenant cannot stall the others.
MAX_LOOKUPS_IN_FLIGHT = 4
MAX_LOOKUPS_PER_CALLER = 2
PLATFORM_CALLER = "platform"  # lookups no request asked for (the relay, webhook delivery)


class ResolverBusy(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "Too many address lookups are in flight; retry in a moment.",
            headers={"Retry-After": "1"},
        )


class BoundedResolver:
    """Runs each lookup on a small pool of its own, with a deadline and the bounds above. A
    lookup that misses the deadline is an `InvalidRequest` for the caller at once; its slot is
    freed when the lookup really ends. A resolver that is down (`EAI_AGAIN`) is a 503."""

    def __init__(self, resolve: Resolver, *, timeout_seconds: float = 3.0) -> None:
        self._resolve = resolve
        self.timeout_seconds = timeout_seconds
        self._pool = ThreadPoolExecutor(MAX_LOOKUPS_IN_FLIGHT, thread_name_prefix="dns")
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()

    def _claim(self, caller: str) -> None:
        with self._lock:
            total = sum(self._in_flight.values())
            if total >= MAX_LOOKUPS_IN_FLIGHT or self._in_flight[caller] >= MAX_LOOKUPS_PER_CALLER:
                raise ResolverBusy()
            self._in_flight[caller] += 1

    def _release(self, caller: str) -> None:
        with self._lock:
            self._in_flight[caller] -= 1
            if self._in_flight[caller] <= 0:
                del self._in_flight[caller]

    def __call__(self, host: str, *, field: str, caller: str) -> list[str]:
        self._claim(caller)
        try:
            lookup = self._pool.submit(self._resolve, host)
        except BaseException:
            self._release(caller)
            raise
        lookup.add_done_callback(lambda _: self._release(caller))
        try:
            return lookup.result(timeout=self.timeout_seconds)
        except LookupTimeout as exc:
            raise InvalidRequest(
                f"{field} host {host!r} could not be resolved within "
                f"{self.timeout_seconds:g} seconds."
            ) from exc
        except socket.gaierror as exc:
            if exc.errno == socket.EAI_AGAIN:
                raise ServiceUnavailable(
                    "Host names cannot be resolved at the moment; retry shortly.",
                    headers={"Retry-After": "5"},
                ) from exc
            raise


class OutboundGuard:
    def __init__(
        self,
        resolver: Resolver = system_resolver,
        allowed_networks: Iterable[IPNetwork] = (),
        *,
        lookup_timeout_seconds: float = 3.0,
    ) -> None:
        self._resolve = BoundedResolver(resolver, timeout_seconds=lookup_timeout_seconds)
        self._allowed_networks = tuple(allowed_networks)

    def allowed_by_deployment(self, address: IPAddress) -> bool:
        """The address lies in a network the deployment lets through (never by default)."""
        address = _unwrapped(address)
        return any(
            address.version == network.version and address in network
            for network in self._allowed_networks
        )

    def check_host(
        self, host: str, *, field: str, caller: str = PLATFORM_CALLER
    ) -> list[IPAddress]:
        """The host's addresses, each public or allowed by the deployment; `InvalidRequest`
        naming `field` otherwise (also when the name does not resolve in time). `caller` (the
        account asking) bounds how many lookups one tenant may have in flight."""
        numeric = numeric_address(host)
        if numeric is not None:
            addresses = [numeric]
        else:
            try:
                resolved = self._resolve(host, field=field, caller=caller)
                addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolved]
            except (OSError, UnicodeError, ValueError) as exc:
                raise InvalidRequest(f"{field} host {host!r} could not be resolved.") from exc
        if not addresses:
            raise InvalidRequest(f"{field} host {host!r} could not be resolved.")
        if not all(is_public(a) or self.allowed_by_deployment(a) for a in addresses):
            raise InvalidRequest(
                f"{field} must point at a public address (not loopback, private, link-local "
                "or metadata)."
            )
        return addresses
