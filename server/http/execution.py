"""Where a handler runs. connexion's AsyncApp runs a plain (sync) handler in Starlette's thread
pool: one thread hop per request, and with 32 connections some 33 threads contending for the
GIL. Instead the resolver hands connexion an async adapter per operation, made here from the
spec's method:

- reads (GET) run inline on the event loop when the database answers without network waits
  (SQLite: a local file, WAL mode, so a read never waits on a writer); on PostgreSQL a read
  makes one hop (a network wait must not block the loop) to a few reader threads
  (`TRAX_READ_THREADS`, 4), not to the thread pool's forty: with 32 connections forty threads
  contending for the GIL cost a get 25% more CPU and tripled its p99 (`make bench`);
- everything else (writes) runs on the one worker thread (`WorkerThread`), as do the auth-cache
  misses (server/http/access.py).

Handlers, services and their signatures stay as they are: the adapter keeps the handler's
signature (functools.wraps), from which connexion reads its parameters."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class WorkerThread:
    """Threads of our own that calls queue for: with one thread (the writes) they run one at a
    time, in order; several (the PostgreSQL reads) take the next queued call as they free up.

    Neither anyio's `to_thread.run_sync` with a one-token limiter (every call waits for the
    previous one to hand its token back on the event loop: a round trip per call, about 170 µs
    of CPU per hop at 32 connections) nor a ThreadPoolExecutor (a concurrent Future with its
    Condition per call, chained to an asyncio future by callbacks on both sides: about 30 µs
    of CPU per hop): a queue the thread takes the next call from at once, and one
    `call_soon_threadsafe` back that settles the caller's asyncio future (about 15 µs).

    The semantics are anyio's: the call runs in a copy of the caller's context (request id,
    idempotency binding), and a cancelled caller either withdraws a call that has not started
    or waits for a started one to end (so that what the caller does next, a release or an
    error answer, sees its effect) before the cancellation goes on.

    The thread starts with the first call and is a daemon; `close` (the app's lifespan, at
    shutdown) lets the queued calls finish and stops it, and a later call starts it again."""

    def __init__(self, threads: int = 1, name: str = "trax-write") -> None:
        """`threads` > 1: a pool taking calls from the one queue (in order of arrival, several
        at once)."""
        self._size = threads
        self._name = name
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        call = _Call(asyncio.get_running_loop(), contextvars.copy_context(), function, args)
        with self._threads_lock:
            while len(self._threads) < self._size:
                self._start_one()
            self._calls.put(call)
        try:
            return cast(T, await call.outcome)
        except asyncio.CancelledError:
            if not call.withdraw():
                await call.ended()
            raise

    def close(self) -> None:
        """Runs what is queued, then stops the threads. A call made meanwhile goes to a new
        queue and threads of its own."""
        with self._threads_lock:
            threads, calls = self._threads, self._calls
            self._threads, self._calls = [], queue.SimpleQueue()
            for _ in threads:
                calls.put(None)
        for thread in threads:
            thread.join()

    def _start_one(self) -> None:
        """With the lock held."""
        thread = threading.Thread(
            target=_serve,
            args=(self._calls,),
            name=f"{self._name}_{len(self._threads)}",
            daemon=True,
        )
        thread.start()
        self._threads.append(thread)


def _serve(calls: queue.SimpleQueue[_Call | None]) -> None:
    while (call := calls.get()) is not None:
        if call.begin():
            call.execute()
        del call  # the arguments and the result are not kept until the next call


_PENDING, _RUNNING, _WITHDRAWN, _ENDED = range(4)
# Guards a call's move out of _PENDING: the worker starting it or its caller withdrawing it.
_STATE_LOCK = threading.Lock()


class _Call:
    __slots__ = ("loop", "context", "function", "args", "outcome", "state", "end")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context,
        function: Callable[..., Any],
        args: tuple[Any, ...],
    ) -> None:
        self.loop, self.context, self.function, self.args = loop, context, function, args
        self.outcome: asyncio.Future[Any] = loop.create_future()
        self.state = _PENDING
        self.end: asyncio.Future[None] | None = None  # made when a caller waits out a cancel

    def begin(self) -> bool:
        """On the worker thread: False when the caller withdrew the call."""
        with _STATE_LOCK:
            if self.state == _WITHDRAWN:
                return False
            self.state = _RUNNING
            return True

    def execute(self) -> None:
        result, error = None, None
        try:
            result = self.context.run(self.function, *self.args)
        except BaseException as exc:  # the caller's to handle, as an executor would hand it on
            error = exc
        # RuntimeError: the loop is closed, nobody waits for this call any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._settle, result, error)

    def withdraw(self) -> bool:
        """On the event loop, the caller cancelled: True if the call will not run."""
        with _STATE_LOCK:
            if self.state == _PENDING:
                self.state = _WITHDRAWN
                return True
            return False

    async def ended(self) -> None:
        """Waits for a started call to end, whatever cancellations arrive meanwhile (an anyio
        cancel scope delivers its cancellation again on every turn of the loop); the call's own
        outcome is the caller's no longer."""
        if self.state == _ENDED:
            return
        self.end = end = self.loop.create_future()
        while not end.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(end)

    def _settle(self, result: Any, error: BaseException | None) -> None:
        """On the event loop, once the call ended."""
        self.state = _ENDED
        if not self.outcome.done():  # else cancelled: the caller no longer wants it
            if error is None:
                self.outcome.set_result(result)
            else:
                self.outcome.set_exception(error)
        if self.end is not None:
            self.end.set_result(None)


def inline(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def adapter(*args: Any, **kwargs: Any) -> Any:
        return handler(*args, **kwargs)

    return adapter


def hop(handler: Callable[..., Any], threads: WorkerThread) -> Callable[..., Any]:
    """One hop: to the worker thread (writes) or the reader threads (PostgreSQL reads)."""

    @functools.wraps(handler)
    async def adapter(*args: Any, **kwargs: Any) -> Any:
        return await threads.run(functools.partial(handler, *args, **kwargs))

    return adapter


def adapter_for(
    method: str,
    handler: Callable[..., Any],
    *,
    inline_reads: bool,
    worker: WorkerThread,
    readers: WorkerThread,
) -> Callable[..., Any]:
    if method.lower() == "get":
        return inline(handler) if inline_reads else hop(handler, readers)
    return hop(handler, worker)
