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

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class WorkerThread:
    """One thread's worth of capacity: calls queue here and run one at a time, in order.

    A plain executor rather than anyio's `to_thread.run_sync` with a one-token limiter: there
    every call waits for the previous one to hand its token back on the event loop, a round
    trip per call (about 170 µs of CPU per hop at 32 connections, against 45 here, where the
    thread takes the next queued call at once). The semantics are anyio's: the call runs in a
    copy of the caller's context (request id, idempotency binding), and a cancelled caller
    either withdraws a call that has not started or waits for a started one to end (so that
    what the caller does next, a release or an error answer, sees its effect) before the
    cancellation goes on."""

    def __init__(self, threads: int = 1) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="trax-write")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        call = self._executor.submit(contextvars.copy_context().run, function, *args)
        try:
            return await asyncio.wrap_future(call)
        except asyncio.CancelledError:
            if not call.cancelled():
                await _until_done(call)
            raise


async def _until_done(call: Future[Any]) -> None:
    """Waits for a started call to end, whatever cancellations arrive meanwhile (an anyio
    cancel scope delivers its cancellation again on every turn of the loop); the call's own
    outcome is the caller's no longer."""
    waiter = asyncio.wrap_future(call)
    while not waiter.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait((waiter,))
    if not waiter.cancelled():
        waiter.exception()  # retrieved, so asyncio does not log it as lost


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
