"""A customer's URL whose name server answers slowly (or never) must not stall anyone else:
lookups run on their own bounded pool with a deadline."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest

from server.app import create_app
from server.domain.errors import InvalidRequest, ServiceUnavailable
from server.services.container import Services
from server.services.outbound import (
    MAX_LOOKUPS_IN_FLIGHT,
    MAX_LOOKUPS_PER_CALLER,
    BoundedResolver,
    OutboundGuard,
)
from tests.support.dns import fake_resolver
from tests.support.live_server import serve


class HangingResolver:
    """Hangs on `slow.example.com` until released; everything else as the fake resolver."""

    def __init__(self):
        self.release = threading.Event()

    def __call__(self, host: str) -> list[str]:
        if host == "slow.example.com":
            self.release.wait(30)
            return ["93.184.215.14"]
        if host == "down.example.com":
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return fake_resolver(host)


@pytest.fixture
def hanging():
    resolver = HangingResolver()
    yield resolver
    resolver.release.set()


class TestBoundedResolver:
    def test_a_lookup_past_the_deadline_is_refused_in_time(self, hanging):
        guard = OutboundGuard(hanging, lookup_timeout_seconds=0.2)
        started = time.monotonic()
        with pytest.raises(InvalidRequest, match="within 0.2 seconds"):
            guard.check_host("slow.example.com", field="rtmpUrl", caller="a")
        assert time.monotonic() - started < 5

    def test_each_caller_has_a_bounded_number_of_lookups_in_flight(self, hanging):
        resolve = BoundedResolver(hanging, timeout_seconds=0.05)
        for _ in range(MAX_LOOKUPS_PER_CALLER):
            with pytest.raises(InvalidRequest):
                resolve("slow.example.com", field="rtmpUrl", caller="a")
        # Both of a's lookups still hang: a third is refused at once, b still gets one.
        with pytest.raises(ServiceUnavailable) as refused:
            resolve("slow.example.com", field="rtmpUrl", caller="a")
        assert refused.value.headers["Retry-After"] == "1"
        assert resolve("relay.example.com", field="rtmpUrl", caller="b") == ["93.184.215.14"]

    def test_the_pool_as_a_whole_is_bounded_and_frees_its_slots(self, hanging):
        resolve = BoundedResolver(hanging, timeout_seconds=0.05)
        for caller in range(MAX_LOOKUPS_IN_FLIGHT):
            with pytest.raises(InvalidRequest):
                resolve("slow.example.com", field="rtmpUrl", caller=str(caller))
        with pytest.raises(ServiceUnavailable):
            resolve("relay.example.com", field="rtmpUrl", caller="someone else")
        hanging.release.set()
        deadline = time.monotonic() + 5
        while True:  # the slots come back once the hanging lookups end
            try:
                assert resolve("relay.example.com", field="rtmpUrl", caller="x")
                break
            except ServiceUnavailable:
                assert time.monotonic() < deadline
                time.sleep(0.01)

    def test_a_resolver_that_is_down_is_a_503(self, hanging):
        guard = OutboundGuard(hanging)
        with pytest.raises(ServiceUnavailable) as down:
            guard.check_host("down.example.com", field="rtmpUrl", caller="a")
        assert down.value.headers["Retry-After"] == "5"


def test_a_tenant_whose_dns_hangs_does_not_stall_another(settings, services, make_tenant, hanging):
    """Ten creates naming a hanging host, at once, by one tenant, while another lists. The
    lookups hang until the test releases them, after the other tenant's reads were answered:
    had they waited on the hanging lookups, they would never have been."""
    guarded = Services.build(replace(settings, dns_timeout_seconds=1.0), resolver=hanging)
    attacker, bystander = make_tenant("Attacker"), make_tenant("Bystander")
    with serve(create_app(settings, guarded)) as base:
        studio = httpx.post(
            f"{base}/studios",
            json={"name": "s"},
            headers={"Authorization": f"Bearer {attacker.secret}"},
        ).json()

        def attack(_):
            return httpx.post(
                f"{base}/studios/{studio['id']}/destinations",
                json={
                    "platform": "custom_rtmp",
                    "name": "x",
                    "rtmpUrl": "rtmp://slow.example.com/a",
                },
                headers={"Authorization": f"Bearer {attacker.secret}"},
                timeout=30,
            )

        with ThreadPoolExecutor(10) as pool:
            attacks = [pool.submit(attack, i) for i in range(10)]
            time.sleep(0.3)  # the attack is under way
            latencies = []
            for _ in range(10):
                started = time.monotonic()
                listed = httpx.get(
                    f"{base}/studios",
                    headers={"Authorization": f"Bearer {bystander.secret}"},
                    timeout=10,
                )
                latencies.append(time.monotonic() - started)
                assert listed.status_code == 200
            statuses = sorted(a.result().status_code for a in attacks)
        hanging.release.set()
    guarded.close()
    print(f"\nbystander list latency during the attack: max {max(latencies) * 1000:.0f} ms")
    # Two lookups of the attacker's ran into the deadline (400); the rest were refused at once.
    assert statuses == [400] * MAX_LOOKUPS_PER_CALLER + [503] * (10 - MAX_LOOKUPS_PER_CALLER)
