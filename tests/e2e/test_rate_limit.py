"""Rate limits: one token bucket per API key, exact under concurrency on both backends
(in-process and Redis), exact in time under a controlled clock, reported on every response to
a request with a valid key, and still serving when Redis is away."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import secrets
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

import httpx
import hypothesis
import pytest
import redis
import redis.asyncio
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.adapters.rate_limiter import (
    FailoverRateLimiter,
    LocalRateLimiter,
    RedisRateLimiter,
    build_rate_limiter,
)
from server.app import create_app
from server.domain.token_bucket import MICROS, BucketPolicy, take
from tests.support.client import ApiClient
from tests.support.live_server import serve
from tests.support.tcp_proxy import TcpProxy

JSON = {"Content-Type": "application/json"}
START_US = 1_800_000_000 * MICROS
# A refill so slow that no token comes back while a test runs: "no refill".
NO_REFILL = 1e-6


class FakeClock:
    def __init__(self, now_us: int = START_US):
        self.now = now_us

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float = 0, micros: int = 0) -> None:
        self.now += round(seconds * MICROS) + micros


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(os.environ["TRAX_REDIS_URL"])


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def make_limiter(request, redis_prefix):
    """Builds a limiter of the parametrized backend; each one gets fresh buckets."""

    def make(capacity: int, per_second: float, clock=None):
        policy = BucketPolicy.from_rate(capacity, per_second)
        if request.param == "local":
            return LocalRateLimiter(policy, clock) if clock else LocalRateLimiter(policy)
        prefix = f"{redis_prefix}{secrets.token_hex(4)}:"
        return RedisRateLimiter(redis_client(), policy, prefix, clock)

    return make


# --- the bucket itself --------------------------------------------------------------------


class TestBucket:
    def test_burst_then_exactly_one_token_per_interval(self, make_limiter):
        clock = FakeClock()
        limiter = make_limiter(5, 2.0, clock)  # burst 5, one token every 0.5 s
        decisions = [limiter.take("key_a") for _ in range(6)]
        assert [d.allowed for d in decisions] == [True] * 5 + [False]
        assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
        assert decisions[5].wait_us == 500_000 and decisions[5].retry_after_seconds == 1

        clock.advance(micros=499_999)
        assert not limiter.take("key_a").allowed
        clock.advance(micros=1)
        assert limiter.take("key_a").allowed
        # From empty, every 0.5 s exactly one request passes: the sustained rate is 2/s.
        for _ in range(10):
            clock.advance(0.5)
            assert limiter.take("key_a").allowed
            assert not limiter.take("key_a").allowed

    def test_refill_stops_at_the_capacity(self, make_limiter):
        clock = FakeClock()
        limiter = make_limiter(3, 1.0, clock)
        for _ in range(3):
            limiter.take("key_a")
        clock.advance(3600)
        assert [limiter.take("key_a").allowed for _ in range(4)] == [True] * 3 + [False]

    def test_retry_after_is_exact_in_whole_seconds(self, make_limiter):
        clock = FakeClock()
        limiter = make_limiter(1, 0.3, clock)  # one token every 3.333334 s
        assert limiter.take("key_a").allowed
        denied = limiter.take("key_a")
        assert denied.retry_after_seconds == 4 and denied.reset_seconds == 4
        clock.advance(3)  # a whole second earlier than told: still empty
        assert not limiter.take("key_a").allowed
        clock.advance(1)  # exactly when told
        assert limiter.take("key_a").allowed

    def test_two_keys_never_share_a_bucket(self, make_limiter):
        limiter = make_limiter(2, NO_REFILL, FakeClock())
        assert [limiter.take("key_a").allowed for _ in range(3)] == [True, True, False]
        assert [limiter.take("key_b").allowed for _ in range(3)] == [True, True, False]

    @pytest.mark.parametrize("capacity", [1, 7])
    def test_exact_under_concurrent_threads(self, make_limiter, capacity):
        limiter = make_limiter(capacity, NO_REFILL)
        extra = 25
        barrier = threading.Barrier(8)

        def worker(count: int) -> int:
            barrier.wait()
            return sum(limiter.take("key_hot").allowed for _ in range(count))

        total = capacity + extra
        shares = [total // 8 + (1 if i < total % 8 else 0) for i in range(8)]
        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(worker, shares)) == capacity


@hypothesis.given(
    capacity=st.integers(1, 20),
    per_second=st.sampled_from([0.01, 0.3, 1.0, 2.5, 7.0, 1000.0]),
    gaps_us=st.lists(st.integers(0, 3 * MICROS), min_size=1, max_size=40),
)
@hypothesis.settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_retry_after_is_the_least_whole_number_of_seconds_that_works(capacity, per_second, gaps_us):
    policy = BucketPolicy.from_rate(capacity, per_second)
    tat, now = None, START_US
    for gap in gaps_us:
        now += gap
        new_tat, decision = take(policy, tat, now)
        if not decision.allowed:
            wait = decision.retry_after_seconds
            assert wait >= 1
            assert take(policy, tat, now + wait * MICROS)[1].allowed
            assert not take(policy, tat, now + (wait - 1) * MICROS)[1].allowed
        else:
            assert 0 <= decision.remaining < capacity
        tat = new_tat


@pytest.mark.redis
@hypothesis.given(
    capacity=st.integers(1, 6),
    per_second=st.sampled_from([0.3, 1.0, 4.0]),
    steps=st.lists(
        st.tuples(st.integers(0, 2 * MICROS), st.sampled_from(["key_a", "key_b"])),
        min_size=1,
        max_size=25,
    ),
)
@hypothesis.settings(max_examples=60, deadline=None, derandomize=True, database=None)
def test_the_redis_script_decides_exactly_like_the_reference(
    redis_prefix, capacity, per_second, steps
):
    clock = FakeClock()
    policy = BucketPolicy.from_rate(capacity, per_second)
    local = LocalRateLimiter(policy, clock)
    remote = RedisRateLimiter(
        redis_client(), policy, f"{redis_prefix}{secrets.token_hex(4)}:", clock
    )
    for gap, key in steps:
        clock.advance(micros=gap)
        assert remote.take(key) == local.take(key)


@pytest.mark.redis
def test_the_awaited_take_decides_exactly_like_the_blocking_one(redis_prefix):
    """take_async on the loop its client was opened on (redis.asyncio, what the API awaits)
    runs the same script on the same bucket as take: interleaved, they decide as the
    reference does. On another loop it takes the blocking path, in a thread."""
    url = os.environ["TRAX_REDIS_URL"]
    clock = FakeClock()
    policy = BucketPolicy.from_rate(4, 2.0)
    local = LocalRateLimiter(policy, clock)
    remote = RedisRateLimiter(
        redis_client(),
        policy,
        f"{redis_prefix}{secrets.token_hex(4)}:",
        clock,
        async_client=lambda: redis.asyncio.Redis.from_url(url),
    )

    async def steps() -> list[tuple[object, object]]:
        await remote.open_async()
        try:
            assert remote._async is not None
            pairs = []
            for step in range(14):
                clock.advance(micros=150_000 * (step % 3))
                taken = await remote.take_async("key_a") if step % 2 else remote.take("key_a")
                pairs.append((taken, local.take("key_a")))
            return pairs
        finally:
            await remote.close_async()

    pairs = asyncio.run(steps())
    assert [taken for taken, _ in pairs] == [reference for _, reference in pairs]
    assert not all(decision.allowed for decision, _ in pairs)  # the bucket ran dry on the way
    assert remote._async is None
    assert asyncio.run(remote.take_async("key_b")).allowed  # no client open: the thread path


@pytest.mark.redis
def test_concurrent_awaited_takes_share_a_pipeline_and_stay_exact(redis_prefix, monkeypatch):
    """Takes made in one turn of the loop go to Redis in one pipeline, one script run per key:
    40 concurrent takes of a 25-token bucket, interleaved with 10 of another key, allow exactly
    the first 25 in arrival order, counting down; after Redis forgot the script (SCRIPT FLUSH)
    it is loaded again and the takes still decide."""
    url = os.environ["TRAX_REDIS_URL"]
    remote = RedisRateLimiter(
        redis_client(),
        BucketPolicy.from_rate(25, NO_REFILL),
        f"{redis_prefix}{secrets.token_hex(4)}:",
        async_client=lambda: redis.asyncio.Redis.from_url(url),
    )
    pipelines = []
    original = remote._run_scripts

    async def counted(client, sha, takes):
        pipelines.append({key: len(answers) for key, answers in takes.items()})
        return await original(client, sha, takes)

    monkeypatch.setattr(remote, "_run_scripts", counted)
    keys = ["key_a", "key_a", "key_a", "key_a", "key_c"] * 10

    async def race() -> list:
        await remote.open_async()
        try:
            decisions = await asyncio.gather(*(remote.take_async(key) for key in keys))
            redis_client().script_flush()
            decisions.append(await remote.take_async("key_b"))
            return decisions
        finally:
            await remote.close_async()

    decisions = asyncio.run(race())
    raced_decisions = list(zip(keys, decisions, strict=False))
    of_a = [decision for key, decision in raced_decisions if key == "key_a"]
    assert [decision.allowed for decision in of_a] == [True] * 25 + [False] * 15
    assert [decision.remaining for decision in of_a[:25]] == list(range(24, -1, -1))
    assert all(decision.allowed for key, decision in raced_decisions if key == "key_c")
    assert decisions[-1].allowed
    raced = pipelines[:-2]
    assert sum(sum(run.values()) for run in raced) == 50 and len(raced) < 50
    assert any(run.get("key_a", 0) > 1 for run in raced), "no key's takes shared a script run"
    assert pipelines[-2:] == [{"key_b": 1}, {"key_b": 1}]  # NOSCRIPT, then again once loaded


def _take_many_in_a_process(url: str, prefix: str, capacity: int, count: int, barrier) -> int:
    limiter = RedisRateLimiter(
        redis.Redis.from_url(url), BucketPolicy.from_rate(capacity, NO_REFILL), prefix
    )
    limiter.take("key_warm_up")  # connected and the script loaded before the race starts
    barrier.wait()
    return sum(limiter.take("key_shared").allowed for _ in range(count))


@pytest.mark.redis
def test_redis_bucket_is_exact_across_processes(redis_prefix):
    capacity, processes, each = 37, 4, 20
    prefix = f"{redis_prefix}{secrets.token_hex(4)}:"
    context = multiprocessing.get_context("spawn")
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(processes, mp_context=context) as pool,
    ):
        barrier = manager.Barrier(processes)
        results = list(
            pool.map(
                _take_many_in_a_process,
                [os.environ["TRAX_REDIS_URL"]] * processes,
                [prefix] * processes,
                [capacity] * processes,
                [each] * processes,
                [barrier] * processes,
            )
        )
    assert sum(results) == capacity, results


# --- over HTTP ----------------------------------------------------------------------------


@pytest.fixture
def limited(settings, services):
    """An app whose keys have a bucket of 3 refilled at 2 tokens a second, on a fake clock."""
    clock = FakeClock()
    limiter = LocalRateLimiter(BucketPolicy.from_rate(3, 2.0), clock)
    app = create_app(settings, services, rate_limiter=limiter)
    return app, clock


class TestHttp:
    def test_headers_report_the_bucket(self, limited, tenant):
        app, _ = limited
        api = ApiClient(app, tenant.secret)
        responses = [api.get("/v1/studios") for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert {r.headers["ratelimit-policy"] for r in responses} == {'"per-key";q=3;w=2'}
        assert [r.headers["ratelimit"] for r in responses] == [
            '"per-key";r=2;t=1',
            '"per-key";r=1;t=1',
            '"per-key";r=0;t=2',
            '"per-key";r=0;t=2',
        ]

    def test_429_is_the_envelope_with_a_retry_after_that_works(self, limited, tenant):
        app, clock = limited
        api = ApiClient(app, tenant.secret)
        for _ in range(3):
            api.get("/v1/studios")
        clock.advance(0.2)
        refused = api.get("/v1/studios")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.headers["retry-after"] == "1"  # the next token is 0.3 s away
        clock.advance(int(refused.headers["retry-after"]))
        assert api.get("/v1/studios").status_code == 200

    def test_two_keys_of_one_account_have_their_own_buckets(self, limited, services, tenant):
        app, _ = limited
        second = services.api_keys.create(tenant.account_id, "second", ["studios:read"]).secret
        first_api, second_api = ApiClient(app, tenant.secret), ApiClient(app, second)
        assert [first_api.get("/v1/studios").status_code for _ in range(4)][-1] == 429
        assert [second_api.get("/v1/studios").status_code for _ in range(3)] == [200] * 3

    def test_every_error_to_a_valid_key_costs_a_token_and_reports_it(
        self, limited, make_tenant, services, monkeypatch
    ):
        app, clock = limited
        tenant = make_tenant("Probe", scopes=("studios:read",))
        api = ApiClient(app, tenant.secret)
        forbidden = api.post("/v1/studios", json={"name": "x"})
        missing = api.get("/v1/studios/studio_nope")
        malformed = api.get("/v1/studios?limit=0")
        for response, status in ((forbidden, 403), (missing, 404), (malformed, 400)):
            assert response.status_code == status
            assert "ratelimit" in response.headers
        assert api.get("/v1/studios").status_code == 429

        clock.advance(10)
        writer = ApiClient(app, make_tenant("Writer").secret)
        too_large = writer.post("/v1/studios", content=b"x" * (1 << 17), headers=JSON)
        wrong_type = writer.post("/v1/studios", content=b"x", headers={"Content-Type": "a/b"})
        monkeypatch.setattr(services.studios, "list", lambda *a, **k: 1 / 0)
        broken = writer.get("/v1/studios")
        for response, status in ((too_large, 413), (wrong_type, 415), (broken, 500)):
            assert response.status_code == status
            assert response.headers["ratelimit"].startswith('"per-key";r=')

    def test_order_is_401_then_429_then_403_then_503_then_400(
        self, settings, services, make_tenant
    ):
        clock = FakeClock()
        limiter = LocalRateLimiter(BucketPolicy.from_rate(1, NO_REFILL), clock)
        read_only = create_app(replace(settings, write_enabled=False), services, limiter)
        reader = ApiClient(read_only, make_tenant("Reader", scopes=("studios:read",)).secret)
        bad_body = {"content": b"{nope", "headers": JSON}
        assert reader.post("/v1/studios", **bad_body).status_code == 403  # the one token
        assert reader.post("/v1/studios", **bad_body).status_code == 429  # before 403
        writer = ApiClient(read_only, make_tenant("Writer").secret)
        assert writer.post("/v1/studios", **bad_body).status_code == 503  # write flag first
        assert writer.post("/v1/studios", **bad_body).status_code == 429  # before 503
        anonymous = ApiClient(read_only).post("/v1/studios", **bad_body)
        assert anonymous.status_code == 401 and "ratelimit" not in anonymous.headers

    def test_public_operations_and_401s_are_not_limited(self, limited):
        app, _ = limited
        anonymous = ApiClient(app)
        for _ in range(10):
            health, unauthenticated = anonymous.get("/v1/health"), anonymous.get("/v1/studios")
            assert (health.status_code, unauthenticated.status_code) == (200, 401)
            for response in (health, unauthenticated):
                assert "ratelimit" not in response.headers

    @pytest.mark.parametrize("backend", ["local", pytest.param("redis", marks=pytest.mark.redis)])
    def test_exact_under_concurrent_http_requests(
        self, settings, services, tenant, backend, redis_prefix
    ):
        capacity, extra = 10, 30
        limiter = build_rate_limiter(
            capacity,
            NO_REFILL,
            os.environ.get("TRAX_REDIS_URL") if backend == "redis" else None,
            f"{redis_prefix}{secrets.token_hex(4)}:",
        )
        assert isinstance(limiter, FailoverRateLimiter if backend == "redis" else LocalRateLimiter)
        app = create_app(settings, services, rate_limiter=limiter)
        headers = {"Authorization": f"Bearer {tenant.secret}"}
        with serve(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:

            def call(_):
                return client.get("/studios", headers=headers).status_code

            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(call, range(capacity + extra)))
        assert statuses.count(200) == capacity and statuses.count(429) == extra
        if backend == "redis":
            assert not limiter.degraded


# --- Redis away ---------------------------------------------------------------------------


class FakeMonotonic:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def failover_over(url: str, prefix: str, capacity: int, monotonic) -> FailoverRateLimiter:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    policy = BucketPolicy.from_rate(capacity, NO_REFILL)
    return FailoverRateLimiter(
        RedisRateLimiter(client, policy, prefix),
        LocalRateLimiter(policy),
        errors=(redis.RedisError, OSError),
        probe_interval_s=5,
        monotonic=monotonic,
    )


def test_unreachable_redis_fails_open_to_a_local_bucket_and_says_so(settings, services, caplog):
    """Runs everywhere: nothing listens on port 1."""
    limiter = build_rate_limiter(
        settings.rate_limit_burst,
        settings.rate_limit_per_second,
        "redis://127.0.0.1:1/0",
        settings.redis_prefix,
    )
    app = create_app(settings, services, rate_limiter=limiter)
    account = services.accounts.create("Redis away")
    api = ApiClient(app, services.api_keys.create(account.id, "k", ["studios:read"]).secret)
    with caplog.at_level(logging.WARNING, logger="trax.rate_limit"):
        responses = [api.get("/v1/studios") for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3
    assert all("ratelimit" in r.headers for r in responses)
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request


def test_unreachable_redis_fails_open_on_the_awaited_path_too(caplog):
    """Runs everywhere: nothing listens on port 1."""
    limiter = build_rate_limiter(2, NO_REFILL, "redis://127.0.0.1:1/0", "trax-test:")

    async def takes() -> list[bool]:
        await limiter.open_async()
        try:
            return [(await limiter.take_async("key_a")).allowed for _ in range(3)]
        finally:
            await limiter.close_async()

    with caplog.at_level(logging.WARNING, logger="trax.rate_limit"):
        assert asyncio.run(takes()) == [True, True, False]  # the local bucket, burst 2
    assert limiter.degraded
    assert any("Redis is unreachable" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_the_api_awaits_redis_on_its_loop_while_its_lifespan_runs(
    settings, services, tenant, redis_prefix
):
    limiter = build_rate_limiter(
        3, NO_REFILL, os.environ["TRAX_REDIS_URL"], f"{redis_prefix}{secrets.token_hex(4)}:"
    )
    app = create_app(settings, services, rate_limiter=limiter)
    headers = {"Authorization": f"Bearer {tenant.secret}"}
    with TestClient(app) as client:  # runs the lifespan: the asyncio client opens
        assert limiter.primary._async is not None
        limiter.primary.take = lambda key_id: pytest.fail("took the blocking path")
        answers = [client.get("/v1/studios", headers=headers) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert all("ratelimit" in answer.headers for answer in answers)
    assert limiter.primary._async is None and not limiter.degraded  # closed with the lifespan


@pytest.mark.redis
def test_redis_outage_falls_back_and_recovers_by_itself(redis_prefix, caplog):
    target = httpx.URL(os.environ["TRAX_REDIS_URL"])
    proxy = TcpProxy(target.host, target.port or 6379).start()
    database = target.path.strip("/") or "0"
    monotonic = FakeMonotonic()
    prefix = f"{redis_prefix}{secrets.token_hex(4)}:"
    limiter = failover_over(f"redis://127.0.0.1:{proxy.port}/{database}", prefix, 3, monotonic)
    try:
        assert limiter.take("key_a").allowed and not limiter.degraded  # shared bucket: 2 left
        proxy.stop()
        with caplog.at_level(logging.WARNING, logger="trax.rate_limit"):
            # Redis away: the local bucket (full) serves; the API keeps answering.
            assert [limiter.take("key_a").allowed for _ in range(4)] == [True] * 3 + [False]
            assert limiter.degraded
            proxy.start()
            monotonic.now += 4.9  # not yet time to probe again
            assert not limiter.take("key_a").allowed and limiter.degraded
            monotonic.now += 0.2
            # Back on Redis, where the bucket still holds the 2 tokens it had.
            assert [limiter.take("key_a").allowed for _ in range(3)] == [True, True, False]
            assert not limiter.degraded
        messages = [r.getMessage() for r in caplog.records]
        assert any("unreachable" in m for m in messages)
        assert any("reachable again" in m for m in messages)
    finally:
        proxy.stop()
