"""The stream state machine: offline → starting → live → stopping → offline, plus errored.

Each transition is a conditional update (see StudioStreamRepository.transition), so concurrent
go-live calls make exactly one transition, and each moves the studio's stream generation on, so
a call's second step completes only its own first step. The engine is called between two units
of work, never inside a database transaction; in one process, a studio's changes are serialised
(StudioLocks) so that the engine sees them in the database's order."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from server.domain.clock import utcnow
from server.domain.conditional import expected_version, precondition_given, require_version
from server.domain.errors import Conflict, ErrorCode, NotFound, PreconditionFailed
from server.domain.states import OutputState, StreamState
from server.services.stream_keys import StreamKeyVault
from server.services.studios import require_studio
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import Destination, Studio
from server.storage.reads import StreamStatusReads
from server.storage.repositories import IngestNodeRepository
from server.streaming.engine import ERRORED, LIVE, STARTING, OutputTarget, StreamEngine

logger = logging.getLogger("trax.stream")

OFFLINE, STOPPING = StreamState.OFFLINE, StreamState.STOPPING
STREAMING = (StreamState.STARTING, StreamState.LIVE)
IDLE, DISABLED = OutputState.IDLE, OutputState.DISABLED
# A relay worker refreshes a live output's health every second; a `live` older than this was
# written by a worker that is gone, so it is not reported as live.
LIVE_REPORT_STALE_AFTER = timedelta(seconds=10)


# Network source kinds and whether this deployment can have an ingest for them: the embedded
# one runs nginx-rtmp for `rtmp` only (server/streaming/ingest.py).
INGEST_KINDS = ("rtmp", "srt", "whip")


# Why a studio (and its outputs) read `errored` when no relay worker runs it.
RELAY_UNAVAILABLE = "relay_unavailable"
# The reason of an errored studio that stored none.
STREAM_FAILED = "stream_failed"


@dataclass(frozen=True)
class OutputStatusView:
    """One destination's status as stream-status reports it."""

    destination: Destination
    status: str
    reason: str | None
    retry_at: datetime | None


@dataclass(frozen=True)
class StreamStatusView:
    studio: Studio
    destinations: list[Destination]
    # Per network source kind: True while an ingest for it accepts publishers.
    ingest: dict[str, bool]
    # True when the studio should be streaming but no relay worker has run it for longer than
    # the bound: it is reported `errored` (`relay_unavailable`), not as it is stored.
    unowned: bool = False

    @property
    def state(self) -> str:
        return StreamState.ERRORED if self.unowned else self.studio.stream_state

    @property
    def reason(self) -> str | None:
        if self.unowned:
            return RELAY_UNAVAILABLE
        if self.studio.stream_state == StreamState.ERRORED:
            return self.studio.stream_error or STREAM_FAILED
        return None

    def outputs(self) -> list[OutputStatusView]:
        """Each destination's status; an unowned studio's enabled outputs are errored (nothing
        runs them). A reason and a retry time only go with `errored`."""
        views = []
        for destination in self.destinations:
            status = destination_status(self.studio, destination)
            reason, retry_at = destination.output_reason, destination.output_retry_at
            if self.unowned and status != DISABLED:
                status, reason, retry_at = OutputState.ERRORED, RELAY_UNAVAILABLE, None
            if status != OutputState.ERRORED:
                reason = retry_at = None
            views.append(OutputStatusView(destination, status, reason, retry_at))
        return views


def ingest_availability(
    nodes: IngestNodeRepository | StatusReader, now: datetime
) -> dict[str, bool]:
    accepting = nodes.available_protocols(now)
    return {kind: kind in accepting for kind in INGEST_KINDS}


class StatusReader(Protocol):
    """Where a stream status is read from: the Core read path (server/storage/reads.py) or,
    without it, a unit of work (UnitOfWorkStatusReader)."""

    def studio(self, account_id: str, studio_id: str) -> Studio | None: ...
    def destinations(self, account_id: str, studio_id: str) -> list[Destination]: ...
    def available_protocols(self, now: datetime) -> frozenset[str]: ...
    def lease_holder(self, studio_id: str, now: datetime) -> str | None: ...
    def unowned_since(self, studio_id: str, now: datetime) -> datetime | None: ...


class UnitOfWorkStatusReader:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def studio(self, account_id: str, studio_id: str) -> Studio | None:
        return self._uow.studios.get(account_id, studio_id)

    def destinations(self, account_id: str, studio_id: str) -> list[Destination]:
        return self._uow.destinations.all_for_studio(account_id, studio_id)

    def available_protocols(self, now: datetime) -> frozenset[str]:
        return self._uow.ingest_nodes.available_protocols(now)

    def lease_holder(self, studio_id: str, now: datetime) -> str | None:
        return self._uow.relay_leases.holder(studio_id, now)

    def unowned_since(self, studio_id: str, now: datetime) -> datetime | None:
        return self._uow.relay_leases.unowned_since(studio_id, now)


def destination_status(studio: Studio, destination: Destination) -> str:
    """A destination's stream status: `disabled` when disabled, `idle` while the studio is
    offline, otherwise what the engine last reported for its output."""
    if not destination.enabled:
        return DISABLED
    if studio.stream_state == OFFLINE:
        return IDLE
    if destination.output_state == LIVE and not reported_recently(destination):
        return STARTING
    return destination.output_state


def reported_recently(destination: Destination) -> bool:
    """True unless the output's figures come from a relay report that is no longer fresh
    (outputs nothing measures, as with the bookkeeping engine, have no report at all)."""
    if destination.health_at is None:
        return True
    return utcnow() - destination.health_at <= LIVE_REPORT_STALE_AFTER


def require_streamable(destination: Destination) -> None:
    if destination.enabled and not destination.has_stream_key:
        raise Conflict(
            ErrorCode.DESTINATION_MISSING_STREAM_KEY,
            f"Destination {destination.id} is enabled but has no stream key.",
        )


class StudioLocks:
    """One lock per studio, so that this process's stream changes of a studio (go-live,
    go-offline, an output's start or stop) reach the engine in the order they reach the
    database. Across processes the stream generation decides instead (see go_live)."""

    class _Lock:
        def __init__(self) -> None:
            self.lock = threading.Lock()

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: weakref.WeakValueDictionary[str, StudioLocks._Lock] = (
            weakref.WeakValueDictionary()
        )

    @contextmanager
    def hold(self, studio_id: str) -> Iterator[None]:
        with self._guard:
            entry = self._locks.get(studio_id)
            if entry is None:
                entry = self._locks[studio_id] = StudioLocks._Lock()
        with entry.lock:
            yield


class StreamService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        engine: StreamEngine,
        stream_keys: StreamKeyVault,
        unowned_after: timedelta = timedelta(seconds=20),
        reads: StreamStatusReads | None = None,
    ):
        """`reads`: the Core read path (server/storage/reads.py) for `status`; without it the
        status is read through a unit of work."""
        self._uow = unit_of_work
        self._reads = reads
        self._engine = engine
        self._stream_keys = stream_keys
        self._locks = StudioLocks()
        # With a relay (an asynchronous engine): how long a streaming studio may have no worker
        # before it is reported errored. A takeover happens within one lease plus a tick.
        self._unowned_after = unowned_after

    def status(self, account_id: str, studio_id: str) -> StreamStatusView:
        if self._reads is None:
            with self._uow() as uow:
                return self._view(UnitOfWorkStatusReader(uow), account_id, studio_id)
        with self._reads.reading() as reader:
            return self._view(reader, account_id, studio_id)

    def go_live(self, account_id: str, studio_id: str) -> StreamStatusView:
        """Two units of work around the engine call: `starting` (this call's generation),
        then `live` or `errored`, written only while that generation is still current."""
        with self._locks.hold(studio_id):
            started = self._begin_starting(account_id, studio_id)
            if started is not None:
                generation, targets = started
                states = self._start_engine(studio_id, targets)
                self._finish_starting(account_id, studio_id, generation, states)
        return self.status(account_id, studio_id)

    def go_offline(self, account_id: str, studio_id: str) -> StreamStatusView:
        """`stopping`, the engine stops, then `offline` (an errored studio goes offline at
        once; with a relay worker holding the studio, the worker completes the stop)."""
        with self._locks.hold(studio_id):
            generation = self._begin_stopping(account_id, studio_id)
            if generation is not None:
                try:
                    self._engine.stop(studio_id)
                except Exception:
                    logger.exception("stream engine failed to stop studio %s", studio_id)
                self._finish_stopping(account_id, studio_id, generation)
        return self.status(account_id, studio_id)

    # -- go-live, step by step ---------------------------------------------------------------

    def _begin_starting(
        self, account_id: str, studio_id: str
    ) -> tuple[int, list[OutputTarget]] | None:
        """Checks the studio can go live and moves it to `starting`; None when it is already
        streaming (or another call made the move first)."""
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            require_version(studio.version)
            if studio.stream_state in STREAMING:
                return None
            if studio.stream_state == STOPPING:
                raise Conflict(
                    ErrorCode.STREAM_BUSY, "The studio is stopping; try again when offline."
                )
            enabled = [
                d for d in uow.destinations.all_for_studio(account_id, studio_id) if d.enabled
            ]
            if not enabled:
                raise Conflict(
                    ErrorCode.NO_ENABLED_DESTINATION,
                    "The studio has no enabled destination to go live to.",
                )
            for destination in enabled:
                require_streamable(destination)
            now = utcnow()
            made = uow.stream.transition(
                account_id,
                studio_id,
                (OFFLINE, ERRORED),
                STARTING,
                now,
                version=expected_version(studio.version),
                stream_started_at=now,
                stream_error=None,
            )
            if made is None:
                if precondition_given():  # the studio changed since If-Match was checked
                    raise PreconditionFailed()
                return None
            uow.destinations.set_output_states(studio_id, {d.id: STARTING for d in enabled})
            uow.commit()
            return made.generation, [self._output_target(d) for d in enabled]

    def _start_engine(self, studio_id: str, targets: list[OutputTarget]) -> dict[str, str]:
        try:
            return self._engine.start(studio_id, targets)
        except Exception:
            logger.exception("stream engine failed to start studio %s", studio_id)
            return {target.destination_id: ERRORED for target in targets}

    def _finish_starting(
        self, account_id: str, studio_id: str, generation: int, states: dict[str, str]
    ) -> None:
        with self._uow() as uow:
            if STARTING in states.values() and LIVE not in states.values():
                # A relay worker reconciles the outputs and moves the studio to live.
                if uow.stream.generation(studio_id) == generation:
                    uow.destinations.set_output_states(studio_id, states)
                    uow.commit()
                return
            outcome = LIVE if LIVE in states.values() else ERRORED
            failed: dict[str, Any] = {"stream_started_at": None, "stream_error": "stream_failed"}
            extra = {} if outcome == LIVE else failed
            now = utcnow()
            made = uow.stream.transition(
                account_id, studio_id, (STARTING,), outcome, now, generation=generation, **extra
            )
            if made is not None:
                uow.destinations.set_output_states(studio_id, states)
                uow.commit()
                return
        # Taken offline while starting (its generation moved on): the engine must not keep
        # running what this call started, unless a later go-live owns the studio by now.
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
        if studio.stream_state not in STREAMING:
            self._engine.stop(studio_id)

    # -- go-offline, step by step ------------------------------------------------------------

    def _begin_stopping(self, account_id: str, studio_id: str) -> int | None:
        """Moves a streaming studio to `stopping` and returns that generation; an errored
        studio goes straight to offline (nothing runs); None when there is nothing to stop."""
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            require_version(studio.version)
            if studio.stream_state in (OFFLINE, STOPPING):
                return None
            now = utcnow()
            version = expected_version(studio.version)  # If-Match: only the studio as read
            if studio.stream_state == ERRORED:
                if uow.stream.transition(
                    account_id,
                    studio_id,
                    (ERRORED,),
                    OFFLINE,
                    now,
                    version=version,
                    stream_started_at=None,
                    stream_error=None,
                    program=None,
                ):
                    self._reset_outputs(uow, account_id, studio_id)
                    uow.commit()
                elif precondition_given():
                    raise PreconditionFailed()
                return None
            made = uow.stream.transition(
                account_id, studio_id, STREAMING, STOPPING, now, version=version
            )
            if made is None:
                if precondition_given():  # the studio changed since If-Match was checked
                    raise PreconditionFailed()
                return None
            uow.commit()
            return made.generation

    def _finish_stopping(self, account_id: str, studio_id: str, generation: int) -> None:
        with self._uow() as uow:
            now = utcnow()
            if self._engine.asynchronous and uow.relay_leases.holder(studio_id, now):
                return  # the worker holding the studio stops its processes, then goes offline
            if uow.stream.transition(
                account_id,
                studio_id,
                (STOPPING,),
                OFFLINE,
                now,
                generation=generation,
                stream_started_at=None,
                program=None,
            ):
                self._reset_outputs(uow, account_id, studio_id)
                uow.commit()

    # -- one output ----------------------------------------------------------------------------

    def output_changed(
        self, account_id: str, studio_id: str, destination_id: str, *, restart: bool
    ) -> None:
        """Brings a running studio's output for one destination in line with the destination
        as now stored (deleted, disabled, enabled, or given a new URL or key)."""
        with self._locks.hold(studio_id):
            with self._uow() as uow:
                studio = require_studio(uow, account_id, studio_id)
                if studio.stream_state not in STREAMING:
                    return
                destination = uow.destinations.get(account_id, studio_id, destination_id)
            state: str
            if destination is None or not destination.enabled:
                self._engine.stop_output(studio_id, destination_id)
                state = IDLE
            elif restart or destination.output_state not in STREAMING:
                self._engine.stop_output(studio_id, destination_id)
                try:
                    state = self._engine.start_output(studio_id, self._output_target(destination))
                except Exception:
                    logger.exception("stream engine failed to start output %s", destination_id)
                    state = ERRORED
            else:
                return
            if destination is not None:
                with self._uow() as uow:
                    uow.destinations.set_output_states(studio_id, {destination_id: state})
                    uow.commit()

    def _output_target(self, destination: Destination) -> OutputTarget:
        return OutputTarget(
            destination.id, destination.rtmp_url, self._stream_keys.open(destination)
        )

    def transitions(self, account_id: str, studio_id: str) -> list[tuple[str, str]]:
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            return [(t.from_state, t.to_state) for t in uow.stream.transitions(studio_id)]

    @staticmethod
    def _reset_outputs(uow: UnitOfWork, account_id: str, studio_id: str) -> None:
        destinations = uow.destinations.all_for_studio(account_id, studio_id)
        uow.destinations.set_output_states(studio_id, {d.id: IDLE for d in destinations})

    def _view(self, reader: StatusReader, account_id: str, studio_id: str) -> StreamStatusView:
        studio = reader.studio(account_id, studio_id)
        if studio is None:
            raise NotFound("No such studio.")
        now = utcnow()
        return StreamStatusView(
            studio=studio,
            destinations=reader.destinations(account_id, studio_id),
            ingest=ingest_availability(reader, now),
            unowned=self._unowned(reader, studio, now),
        )

    def _unowned(self, reader: StatusReader, studio: Studio, now: datetime) -> bool:
        if not self._engine.asynchronous or studio.stream_state not in STREAMING:
            return False
        if reader.lease_holder(studio.id, now) is not None:
            return False
        since = reader.unowned_since(studio.id, now) or studio.stream_started_at
        return since is not None and now - since > self._unowned_after
