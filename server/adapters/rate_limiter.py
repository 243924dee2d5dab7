"""Rate-limit backends: one token bucket per API key id (server/domain/token_bucket.py).

- LocalRateLimiter: in this process (the default). With several worker processes each has its
  own buckets, so a key gets up to N times the burst: use Redis for more than one process.
- RedisRateLimiter: the check-and-take is one Lua script run by Redis with Redis's own clock,
  so any number of processes on any number of hosts share one bucket per key exactly. While the
  app's lifespan runs (`trax serve`), the API awaits the script on the event loop over a
  redis.asyncio client opened for that loop (`open_async`): no thread hop, and the takes of
  one turn of the loop share one pipeline (one round trip under load). Without a lifespan
  (an ASGI test client that starts none) `take_async` runs the blocking `take` in a thread.
- FailoverRateLimiter: Redis, falling back to a local bucket while Redis is unreachable (fail
  open to a per-process limit, logged), probing Redis again every few seconds and switching
  back by itself. Availability of the API is worth more than exact limits during an outage;
  authentication does not depend on Redis and never fails open.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread

from server.domain.clock import wall_clock_us
from server.domain.token_bucket import BucketPolicy, Decision, take

if TYPE_CHECKING:
    import redis
    import redis.asyncio

logger = logging.getLogger("trax.rate_limit")

Clock = Callable[[], int]


class RateLimiter(Protocol):
    policy: BucketPolicy

    def take(self, key_id: str) -> Decision: ...

    async def take_async(self, key_id: str) -> Decision: ...

    async def open_async(self) -> None: ...

    async def close_async(self) -> None: ...


class LocalRateLimiter:
    """Buckets in a dict guarded by a lock. Full buckets are forgotten (a missing entry means
    full), so memory follows the keys used within the last refill window."""

    _SWEEP_EVERY = 1024

    def __init__(self, policy: BucketPolicy, clock: Clock = wall_clock_us) -> None:
        self.policy = policy
        self._clock = clock
        self._tats: dict[str, int] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def take(self, key_id: str) -> Decision:
        with self._lock:
            now = self._clock()
            tat, decision = take(self.policy, self._tats.get(key_id), now)
            self._tats[key_id] = tat
            self._calls += 1
            if self._calls % self._SWEEP_EVERY == 0:
                self._tats = {k: v for k, v in self._tats.items() if v > now}
            return decision

    async def take_async(self, key_id: str) -> Decision:
        return self.take(key_id)

    async def open_async(self) -> None:
        pass

    async def close_async(self) -> None:
        pass


# KEYS[1]: the bucket. ARGV: capacity, interval_us, a clock override used only by tests ('' =
# Redis's own TIME, which is what the server always sends), and how many takes to make in a row.
# Returns four numbers per take, in order (allowed, remaining, wait_us, full_us): the takes of
# one key that arrive together run as one script, as if made one after the other at one instant.
# Numbers are written with %.0f: Lua's default number format keeps only 14 digits and a
# microsecond time has 16.
TAKE_LUA = """
local capacity = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local count = tonumber(ARGV[4])
local now
if ARGV[3] ~= '' then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tau = interval * (capacity - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local taken = false
local answers = {}
for _ = 1, count do
  if tat - now > tau then
    table.insert(answers, 0)
    table.insert(answers, 0)
    table.insert(answers, tat - tau - now)
    table.insert(answers, tat - now)
  else
    tat = tat + interval
    taken = true
    table.insert(answers, 1)
    table.insert(answers, math.floor((tau + now - tat) / interval) + 1)
    table.insert(answers, 0)
    table.insert(answers, tat - now)
  end
end
if taken then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
end
return answers
"""


class RedisRateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        policy: BucketPolicy,
        prefix: str = "trax:",
        clock: Clock | None = None,
        async_client: Callable[[], redis.asyncio.Redis] | None = None,
    ) -> None:
        """`async_client` makes the redis.asyncio client `open_async` opens on the running
        event loop (a connection belongs to the loop that opened it)."""
        self.policy = policy
        self._client = client
        self._prefix = f"{prefix}ratelimit:"
        self._script = client.register_script(TAKE_LUA)
        self._make_async_client = async_client
        self._async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis, Any] | None = None
        # Tests only: a controlled clock (microseconds) instead of Redis's TIME.
        self._clock = clock
        # Takes waiting for the next pipeline, and the pipelines on their way.
        self._queued: list[tuple[str, asyncio.Future[Decision]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    def _arguments(self, key_id: str, count: int = 1) -> tuple[list[str], list[Any]]:
        now = "" if self._clock is None else str(self._clock())
        policy = self.policy
        return [self._prefix + key_id], [policy.capacity, policy.interval_us, now, count]

    def take(self, key_id: str) -> Decision:
        keys, args = self._arguments(key_id)
        return _decision(self._script(keys=keys, args=args), 0)

    async def take_async(self, key_id: str) -> Decision:
        opened = self._async
        loop = asyncio.get_running_loop()
        if opened is None or opened[0] is not loop:
            return await anyio.to_thread.run_sync(self.take, key_id)
        # The takes made in one turn of the event loop go to Redis together, in one pipeline
        # (one write, one read, one connection checkout): under load most requests share a
        # round trip. The takes of one key make one script run, atomic, in arrival order.
        if not self._queued:
            loop.call_soon(self._send_queued)
        answer: asyncio.Future[Decision] = loop.create_future()
        self._queued.append((key_id, answer))
        return await answer

    def _send_queued(self) -> None:
        queued, self._queued = self._queued, []
        sending = asyncio.get_running_loop().create_task(self._send(queued))
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    async def _send(self, queued: list[tuple[str, asyncio.Future[Decision]]]) -> None:
        from redis.exceptions import NoScriptError

        takes = _by_key(queued)
        try:
            if self._async is None:
                raise ConnectionError("the rate limiter's Redis client is closed")
            client, script = self._async[1], self._async[2]
            replies = await self._run_scripts(client, script.sha, takes)
            if any(isinstance(reply, NoScriptError) for reply in replies):
                # Redis lost its scripts (restarted, flushed): load it once and run again.
                script.sha = await client.script_load(TAKE_LUA)
                replies = await self._run_scripts(client, script.sha, takes)
        except Exception as exc:  # each take falls back (FailoverRateLimiter) on its own
            replies = [exc] * len(takes)
        for answers, reply in zip(takes.values(), replies, strict=True):
            for index, answer in enumerate(answers):
                if answer.done():  # the request went away meanwhile
                    continue
                if isinstance(reply, BaseException):
                    answer.set_exception(reply)
                else:
                    answer.set_result(_decision(reply, index))

    async def _run_scripts(
        self,
        client: redis.asyncio.Redis,
        sha: str,
        takes: dict[str, list[asyncio.Future[Decision]]],
    ) -> list[Any]:
        """One script run per key (its takes in a row), all in one pipeline."""
        pipeline = client.pipeline(transaction=False)
        for key_id, answers in takes.items():
            keys, args = self._arguments(key_id, len(answers))
            pipeline.evalsha(sha, len(keys), *keys, *args)
        return list(await pipeline.execute(raise_on_error=False))

    async def open_async(self) -> None:
        if self._make_async_client is None or self._async is not None:
            return
        client = self._make_async_client()
        self._async = (asyncio.get_running_loop(), client, client.register_script(TAKE_LUA))

    async def close_async(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        opened, self._async = self._async, None
        if opened is not None:
            await opened[1].aclose()


def _by_key(
    queued: list[tuple[str, asyncio.Future[Decision]]],
) -> dict[str, list[asyncio.Future[Decision]]]:
    """The waiting takes by key: keys in the order of their first take, takes in arrival
    order."""
    grouped: dict[str, list[asyncio.Future[Decision]]] = {}
    for key_id, answer in queued:
        grouped.setdefault(key_id, []).append(answer)
    return grouped


def _decision(answers: Any, index: int) -> Decision:
    """The `index`-th take of a script run (four numbers per take)."""
    allowed, remaining, wait_us, full_us = answers[4 * index : 4 * index + 4]
    return Decision(bool(allowed), int(remaining), int(wait_us), int(full_us))


class FailoverRateLimiter:
    def __init__(
        self,
        primary: RedisRateLimiter,
        fallback: LocalRateLimiter,
        *,
        errors: tuple[type[BaseException], ...],
        probe_interval_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = primary.policy
        self.primary, self.fallback = primary, fallback
        self._errors = errors
        self._probe_interval = probe_interval_s
        self._monotonic = monotonic
        self._down_until: float | None = None

    @property
    def degraded(self) -> bool:
        return self._down_until is not None

    def _redis_is_down(self) -> bool:
        """True while Redis failed within the probe interval: the local bucket decides."""
        return self._down_until is not None and self._monotonic() < self._down_until

    def _failed(self, exc: BaseException) -> None:
        if self._down_until is None:
            logger.warning(
                "Redis is unreachable (%s); rate limits fall back to a per-process bucket "
                "and Redis is probed again every %.0f s",
                exc,
                self._probe_interval,
            )
        self._down_until = self._monotonic() + self._probe_interval

    def _answered(self) -> None:
        if self._down_until is not None:
            self._down_until = None
            logger.warning("Redis is reachable again; rate limits are shared again")

    def take(self, key_id: str) -> Decision:
        if self._redis_is_down():
            return self.fallback.take(key_id)
        try:
            decision = self.primary.take(key_id)
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.take(key_id)
        self._answered()
        return decision

    async def take_async(self, key_id: str) -> Decision:
        if self._redis_is_down():
            return self.fallback.take(key_id)
        try:
            decision = await self.primary.take_async(key_id)
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.take(key_id)
        self._answered()
        return decision

    async def open_async(self) -> None:
        await self.primary.open_async()

    async def close_async(self) -> None:
        await self.primary.close_async()


def build_rate_limiter(
    burst: int,
    per_second: float,
    redis_url: str | None,
    redis_prefix: str = "trax:",
) -> RateLimiter:
    policy = BucketPolicy.from_rate(burst, per_second)
    local = LocalRateLimiter(policy)
    if not redis_url:
        return local
    import redis
    import redis.asyncio
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options: dict[str, Any] = {
        # Fail fast: a request waits at most this long on Redis before the local fallback.
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        "health_check_interval": 30,
    }
    client = redis.Redis.from_url(redis_url, retry=Retry(NoBackoff(), 0), **options)

    def async_client() -> redis.asyncio.Redis:
        return redis.asyncio.Redis.from_url(redis_url, retry=AsyncRetry(NoBackoff(), 0), **options)

    return FailoverRateLimiter(
        RedisRateLimiter(client, policy, redis_prefix, async_client=async_client),
        local,
        errors=(redis.RedisError, OSError),
    )
