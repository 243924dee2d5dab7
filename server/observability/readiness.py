"""`GET /readyz`, outside /v1: may a load balancer send this process traffic?

200 when the database answers within the deadline and its schema is at the newest migration;
503 with the reason otherwise. Redis is reported but not required: without it the rate limiter
falls back to per-process buckets and the API keeps answering. Liveness stays `/v1/health`
(published in the contract): it says the process runs, not that it can serve."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Engine, text
from starlette.types import ASGIApp, Receive, Scope, Send

READY_PATH = "/readyz"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    milliseconds: float


def database_check(engine: Engine, head_revision: str) -> Callable[[], Check]:
    def check() -> Check:
        started = time.perf_counter()
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        elapsed = (time.perf_counter() - started) * 1000
        if current != head_revision:
            reason = f"schema at {current}, newest migration is {head_revision}"
            return Check(False, reason, elapsed)
        return Check(True, f"schema at {current}", elapsed)

    return check


def redis_check(redis_url: str) -> Callable[[], Check]:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)

    def check() -> Check:
        started = time.perf_counter()
        client.ping()
        return Check(True, "answers", (time.perf_counter() - started) * 1000)

    return check


class ReadinessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Callable[[], Check],
        redis: Callable[[], Check] | None,
        deadline_seconds: float,
    ):
        self.app = app
        self.database = database
        self.redis = redis
        self.deadline = deadline_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != READY_PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self._answer(send, 405, {"status": "method_not_allowed"}, scope["method"])
            return
        database = await self._run(self.database)
        body: dict[str, Any] = {"status": "ready" if database.ok else "not_ready"}
        if not database.ok:
            body["reason"] = f"database: {database.detail}"
        body["checks"] = {"database": _as_json(database, required=True)}
        if self.redis is not None:
            redis = await self._run(self.redis)
            body["checks"]["redis"] = _as_json(redis, required=False)
        await self._answer(send, 200 if database.ok else 503, body, scope["method"])

    async def _run(self, check: Callable[[], Check]) -> Check:
        started = time.perf_counter()
        try:
            with anyio.fail_after(self.deadline):
                return await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
        except TimeoutError:
            return Check(False, f"no answer within {self.deadline:g} s", self.deadline * 1000)
        except Exception as exc:  # the reason, not a traceback: this is a probe's answer
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            reason = f"{type(exc).__name__}: {first_line}"
            return Check(False, reason[:200], (time.perf_counter() - started) * 1000)

    @staticmethod
    async def _answer(send: Send, status: int, body: dict[str, Any], method: str) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(payload)).encode()),
        ]
        if status == 405:
            headers.append((b"allow", b"GET, HEAD"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})


def _as_json(check: Check, *, required: bool) -> dict[str, Any]:
    return {
        "ok": check.ok,
        "required": required,
        "detail": check.detail,
        "ms": round(check.milliseconds, 1),
    }
