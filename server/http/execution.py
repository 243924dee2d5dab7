"""Where a handler runs. connexion's AsyncApp runs a plain (sync) handler in Starlette's thread
pool: one thread hop per request, and with 32 connections some 33 threads contending for the
GIL. Instead the resolver hands connexion an async adapter per operation, made here from the
spec's method:

- reads (GET) run inline on the event loop when the database answers without network waits
  (SQLite: a local file, WAL mode, so a read never waits on a writer); on PostgreSQL a read
  makes one hop to the thread pool (a network wait must not block the loop);
- everything else (writes) runs on the one worker thread (`WorkerThread`), as do the auth-cache
  misses (server/http/access.py), so at most two threads ever hold the GIL.

Handlers, services and their signatures stay as they are: the adapter keeps the handler's
signature (functools.wraps), from which connexion reads its parameters."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class WorkerThread:
    """One thread's worth of capacity: calls queue here and run one at a time."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        # Made on first use: a CapacityLimiter belongs to the event loop running it.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._threads)
        return self._limiter

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(function, *args, limiter=self.limiter)


def inline(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def adapter(*args: Any, **kwargs: Any) -> Any:
        return handler(*args, **kwargs)

    return adapter


def hop(handler: Callable[..., Any], worker: WorkerThread | None = None) -> Callable[..., Any]:
    """One hop: to `worker` (writes), else to the thread pool (PostgreSQL reads)."""

    @functools.wraps(handler)
    async def adapter(*args: Any, **kwargs: Any) -> Any:
        call = functools.partial(handler, *args, **kwargs)
        if worker is None:
            return await anyio.to_thread.run_sync(call)
        return await worker.run(call)

    return adapter


def adapter_for(
    method: str, handler: Callable[..., Any], *, inline_reads: bool, worker: WorkerThread
) -> Callable[..., Any]:
    if method.lower() == "get":
        return inline(handler) if inline_reads else hop(handler)
    return hop(handler, worker)
