"""Production mode: the database going away (503 in the envelope, never a hang or a 500, no
accepted write lost, recovery without a restart), and several server processes sharing
PostgreSQL and Redis (keys, revocation and rate limits hold across them)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from server.app import create_app
from server.services.container import Services
from server.storage.database import make_engine
from server.storage.stall_guard import ALIVE_BYPASS_SECONDS
from tests.conftest import TEST_KEY_HASH_SECRET
from tests.support.client import ApiClient
from tests.support.live_server import serve
from tests.support.tcp_proxy import TcpProxy

TRAX = Path(sys.executable).parent / "trax"
WELL_FORMED_UNKNOWN_KEY = "sk_live_" + "Q" * 40


def test_an_unreachable_database_answers_503_in_the_envelope(settings):
    """Runs everywhere: nothing listens on port 1. The key cannot be checked, so 503 (never
    a 401, never a pass: authentication does not fail open)."""
    down = replace(
        settings,
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nothing",
        database_timeout_seconds=2,
    )
    services = Services.build(down)
    try:
        api = ApiClient(create_app(down, services), WELL_FORMED_UNKNOWN_KEY)
        for response in (api.get("/v1/studios"), api.post("/v1/studios", json={"name": "x"})):
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "service_unavailable"
            assert response.headers["retry-after"] == "1"
        assert api.get("/v1/health").status_code == 200  # liveness does not need the database
    finally:
        services.close()


# --- faults under load (PostgreSQL) -------------------------------------------------------


class Load:
    """Threads creating and listing studios against a live server until stopped; every
    outcome is recorded, a timeout included (a hang would show up as one)."""

    def __init__(self, base_url: str, secret: str, threads: int = 6):
        self.base_url, self.secret, self.threads = base_url, secret, threads
        self.outcomes: list[tuple[float, str, int | str]] = []
        self.durations: list[tuple[float, float]] = []  # (answered at, seconds it took)
        self.created: list[str] = []
        self.bad: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def _run(self, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.secret}"}
        with httpx.Client(base_url=self.base_url, timeout=15, headers=headers) as client:
            sequence = 0
            while not self._stop.is_set():
                sequence += 1
                create = sequence % 2 == 0
                started = time.monotonic()
                try:
                    if create:
                        response = client.post("/studios", json={"name": f"w{number}-{sequence}"})
                    else:
                        response = client.get("/studios", params={"limit": 5})
                    outcome: int | str = response.status_code
                except httpx.HTTPError as exc:
                    outcome, response = type(exc).__name__, None
                with self._lock:
                    answered = time.monotonic()
                    self.outcomes.append((answered, "POST" if create else "GET", outcome))
                    self.durations.append((answered, answered - started))
                    if outcome == 201:
                        self.created.append(response.json()["id"])
                    elif outcome == 503:
                        error = response.json()["error"]
                        if error["code"] != "service_unavailable":
                            self.bad.append(response.text)
                        elif response.headers.get("retry-after") != "1":
                            self.bad.append(f"503 without Retry-After: {response.headers}")
                    elif outcome != 200:
                        self.bad.append(f"{outcome}: {response.text if response else ''}")

    def __enter__(self) -> Load:
        self._workers = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)
        assert not any(worker.is_alive() for worker in self._workers), "a request hung"

    def counts(self, since: float = 0.0) -> Counter:
        return Counter(f"{m} {o}" for t, m, o in self.outcomes if t >= since)

    def report(self, label: str) -> None:
        # Shown with `pytest -s`; the numbers in the note come from here.
        print(f"\n[{label}] {dict(sorted(self.counts().items()))}")


def proxied_database(database_url: str) -> tuple[TcpProxy, str]:
    """A TCP proxy in front of the test database, and the database URL through it."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    return proxy, proxied


def stored_studio_ids(services: Services) -> set[str]:
    with services.engine.connect() as connection:
        return set(connection.scalars(text("SELECT id FROM studios")))


def terminate_my_database_backends(database_url: str) -> int:
    """Cuts every other connection to this test database (and only to it)."""
    url = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@pytest.mark.postgres
def test_cutting_database_connections_mid_load(app, services, tenant, settings):
    with serve(app) as base_url, Load(base_url, tenant.secret) as load:
        time.sleep(0.8)
        cut = []
        for _ in range(3):
            cut.append(terminate_my_database_backends(settings.database_url))
            time.sleep(0.7)
        last_cut = time.monotonic() - 0.7
        time.sleep(0.8)
    load.report(f"pg_terminate_backend x3, cut {cut} connections")
    assert not load.bad, load.bad[:3]
    assert sum(cut) > 0
    recovered = load.counts(since=last_cut)
    assert recovered["GET 200"] > 0 and recovered["POST 201"] > 0, recovered
    assert set(load.created) <= stored_studio_ids(services), "an accepted write was lost"


@pytest.mark.postgres
def test_database_outage_answers_503_and_recovers_without_a_restart(services, tenant, settings):
    """The database disappears for two seconds (a proxy in front of it stops: open
    connections are cut, new ones refused), as in a restart or failover."""
    proxy, proxied_url = proxied_database(settings.database_url)
    proxied = replace(settings, database_url=proxied_url, database_timeout_seconds=2)
    proxied_services = Services.build(proxied)
    try:
        app = create_app(proxied, proxied_services)
        with serve(app) as base_url, Load(base_url, tenant.secret) as load:
            time.sleep(0.8)
            proxy.stop()
            down_at = time.monotonic()
            time.sleep(2.0)
            proxy.start()
            up_at = time.monotonic()
            time.sleep(1.5)
    finally:
        proxy.stop()
        proxied_services.close()
    first_success = min(t for t, _, o in load.outcomes if t > up_at and o in (200, 201))
    load.report(f"database away for 2 s; first success {first_success - up_at:.3f} s after")
    assert not load.bad, load.bad[:3]
    during = Counter(o for t, _, o in load.outcomes if down_at + 0.3 < t < up_at)
    assert during[503] > 0 and set(during) == {503}, during
    after = Counter(o for t, _, o in load.outcomes if t > up_at + 0.5)
    assert after[200] > 0 and after[201] > 0 and set(after) <= {200, 201}, after
    assert set(load.created) <= stored_studio_ids(services), "an accepted write was lost"


@pytest.mark.postgres
@pytest.mark.parametrize("stalled_at", ["statement", "ping at checkout", "commit"])
def test_a_round_trip_on_a_stalled_link_fails_instead_of_waiting(settings, stalled_at):
    """Each kind of round trip on a link gone silent ends with a lost connection within its
    deadline, not when (if ever) the link comes back: here it comes back after 8 s."""
    proxy, proxied_url = proxied_database(settings.database_url)
    engine = make_engine(proxied_url, timeout_seconds=1, statement_timeout_seconds=1)
    thaw = threading.Timer(8, proxy.thaw)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))  # one healthy connection in the pool
        with engine.connect() as connection:
            if stalled_at == "statement":
                proxy.freeze()
                thaw.start()
                with pytest.raises(OperationalError):
                    connection.execute(text("SELECT 1"))
            elif stalled_at == "commit":
                connection.execute(text("SELECT 1"))
                proxy.freeze()
                thaw.start()
                with pytest.raises(OperationalError):
                    connection.commit()
        if stalled_at == "ping at checkout":
            time.sleep(ALIVE_BYPASS_SECONDS)  # a connection this fresh is taken without a ping
            proxy.freeze()
            thaw.start()
            with pytest.raises(OperationalError), engine.connect():
                pass  # the ping fails, then the new connection times out
        assert thaw.is_alive(), "the call waited for the link to come back"
    finally:
        thaw.cancel()
        proxy.thaw()
        proxy.stop()
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_checked_in_a_moment_ago_is_taken_without_a_ping(settings, monkeypatch):
    """The checkout ping is skipped for a connection that answered less than
    ALIVE_BYPASS_SECONDS ago, and made for one idle longer; one that died within the window
    fails at its first statement as a lost connection, and the pool replaces it."""
    from sqlalchemy.exc import DBAPIError

    from server.storage.stall_guard import StallGuard

    pings = []
    original = StallGuard.ping
    monkeypatch.setattr(
        StallGuard, "ping", lambda guard, connection: pings.append(1) or original(guard, connection)
    )
    engine = make_engine(settings.database_url, timeout_seconds=1, statement_timeout_seconds=1)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert pings == [1]  # a new connection is pinged at its first checkout
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend
        assert pings == [1]
        time.sleep(ALIVE_BYPASS_SECONDS)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == [1, 1]
        terminate_my_database_backends(settings.database_url)
        with engine.connect() as connection, pytest.raises(DBAPIError) as lost:
            connection.execute(text("SELECT 1"))
        assert lost.value.connection_invalidated
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_stalled_database_link_answers_503_instead_of_hanging(services, tenant, settings):
    """The link to the database goes silent for six seconds without closing (a partition, a
    failover without RST): connections stay open and nothing comes back. Requests must still
    answer, 503 within the database deadlines, and the service must recover by itself."""
    proxy, proxied_url = proxied_database(settings.database_url)
    proxied = replace(
        settings,
        database_url=proxied_url,
        database_timeout_seconds=2,
        statement_timeout_seconds=2,
    )
    proxied_services = Services.build(proxied)
    try:
        app = create_app(proxied, proxied_services)
        with serve(app) as base_url, Load(base_url, tenant.secret) as load:
            time.sleep(0.8)
            proxy.freeze()
            frozen_at = time.monotonic()
            time.sleep(6.0)
            proxy.thaw()
            thawed_at = time.monotonic()
            time.sleep(3.0)
    finally:
        proxy.stop()
        proxied_services.close()
    slowest = max(d for t, d in load.durations if frozen_at < t < thawed_at + 6)
    load.report(f"link stalled for 6 s; slowest answer meanwhile {slowest:.2f} s")
    assert not load.bad, load.bad[:3]
    during = Counter(o for t, _, o in load.outcomes if frozen_at + 0.5 < t < thawed_at)
    assert during[503] > 0 and set(during) <= {503}, during
    after = Counter(o for t, _, o in load.outcomes if t > thawed_at + 1.5)
    assert after[200] > 0 and after[201] > 0 and set(after) <= {200, 201}, after
    assert set(load.created) <= stored_studio_ids(services), "an accepted write was lost"


# --- several server processes sharing PostgreSQL and Redis --------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def trax_server(env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [TRAX, "serve", "--port", str(port), *args], env=env, stdout=output, stderr=output
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base_url}/health").raise_for_status()
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "trax serve did not come up"
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=20)


AUTH_CACHE_BOUND = 2  # seconds


@pytest.mark.postgres
@pytest.mark.redis
def test_two_server_processes_share_keys_revocation_and_rate_limits(services, settings, tmp_path):
    burst = 12
    env = dict(
        os.environ,
        TRAX_DATABASE_URL=settings.database_url,
        TRAX_KEY_HASH_SECRET=TEST_KEY_HASH_SECRET,
        TRAX_REDIS_URL=os.environ["TRAX_REDIS_URL"],
        TRAX_REDIS_PREFIX=f"trax-test-{secrets.token_hex(6)}:",
        TRAX_RATE_LIMIT_BURST=str(burst),
        TRAX_RATE_LIMIT_PER_SECOND="0.000001",
        TRAX_AUTH_CACHE_SECONDS=str(AUTH_CACHE_BOUND),
        PUBLIC_API_WRITE_ENABLED="1",
    )

    def trax(*args: str) -> dict:
        done = subprocess.run(
            [TRAX, *args, "--json"], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout)

    account = trax("accounts", "create", "--name", "Two servers")
    key = trax("keys", "create", "--account", account["id"], "--name", "k", "--scope", "all")
    auth = {"Authorization": f"Bearer {key['secret']}"}

    with (
        trax_server(env, tmp_path / "first.log", "--workers", "2") as first,
        trax_server(env, tmp_path / "second.log") as second,
    ):
        # Written through one process, read through the other.
        created = httpx.post(f"{first}/studios", json={"name": "Shared"}, headers=auth)
        assert created.status_code == 201
        read = httpx.get(f"{second}/studios/{created.json()['id']}", headers=auth)
        assert read.status_code == 200 and read.json()["name"] == "Shared"

        # One bucket across both processes (and both workers of the first): exactly `burst`
        # requests pass in all, the two above included.
        def call(n: int) -> int:
            base = first if n % 2 else second
            return httpx.get(f"{base}/studios", headers=auth, timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(call, range(burst + 10)))
        assert statuses.count(200) == burst - 2 and statuses.count(429) == 12, statuses

        # Revoked through the CLI: each process trusts a key it checked for at most
        # TRAX_AUTH_CACHE_SECONDS, so both refuse it within that bound, and for good after it.
        other = trax("keys", "create", "--account", account["id"], "--name", "k2", "--scope", "all")
        other_auth = {"Authorization": f"Bearer {other['secret']}"}
        assert httpx.get(f"{first}/studios", headers=other_auth).status_code == 200
        assert httpx.get(f"{second}/studios", headers=other_auth).status_code == 200
        trax("keys", "revoke", other["id"])
        revoked_at = time.monotonic()
        for base in (first, second):
            while httpx.get(f"{base}/studios", headers=other_auth).status_code != 401:
                assert time.monotonic() - revoked_at < AUTH_CACHE_BOUND + 1.0
                time.sleep(0.05)
        for base in (first, second, first, second):
            assert httpx.get(f"{base}/studios", headers=other_auth).status_code == 401


# --- slow and huge requests ---------------------------------------------------------------


def raw_request(port: int, head: bytes, body: bytes = b"", wait: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head + body)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


@pytest.fixture
def impatient_server(settings, services):
    """A live server that waits at most half a second for a request body."""
    app = create_app(replace(settings, body_timeout_seconds=0.5), services)
    with serve(app) as base_url:
        yield httpx.URL(base_url).port


def post_head(tenant, length: int) -> bytes:
    return (
        f"POST /v1/studios HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.secret}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def test_a_body_that_arrives_too_slowly_is_refused_with_408(impatient_server, tenant):
    answer = raw_request(impatient_server, post_head(tenant, 40), b'{"name": "sl')
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"request_timeout" in answer and b"ratelimit: " in answer.lower()


def test_a_declared_huge_body_is_refused_before_it_is_sent(impatient_server, tenant):
    answer = raw_request(impatient_server, post_head(tenant, 100 * 1024 * 1024))
    assert answer.startswith(b"HTTP/1.1 413") and b"payload_too_large" in answer


def test_slow_clients_do_not_hold_up_the_others(impatient_server, tenant):
    """Twenty connections that never finish their body: other requests are served at once,
    and each slow one is answered 408 when its deadline passes."""
    slow = []
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", impatient_server), timeout=10)
        sock.sendall(post_head(tenant, 1000) + b"{")
        slow.append(sock)
    try:
        headers = {"Authorization": f"Bearer {tenant.secret}"}
        fine = httpx.get(f"http://127.0.0.1:{impatient_server}/v1/studios", headers=headers)
        assert fine.status_code == 200
        for sock in slow:
            assert sock.recv(65536).startswith(b"HTTP/1.1 408")
    finally:
        for sock in slow:
            sock.close()
