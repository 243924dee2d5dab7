"""The stream state machine: offline → starting → live → stopping → offline, plus errored.

Each transition is a conditional update (see StudioStreamRepository.transition), so concurrent
go-live calls make exactly one transition. The engine is called between two units of work, never
inside a database transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from server.domain.errors import Conflict
from server.services.studios import require_studio
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import Destination, Studio, utcnow
from server.streaming.engine import ERRORED, LIVE, STARTING, OutputTarget, StreamEngine

logger = logging.getLogger("trax.stream")

OFFLINE, STOPPING = "offline", "stopping"
STREAMING = (STARTING, LIVE)
IDLE, DISABLED = "idle", "disabled"
# A relay worker refreshes a live output's health every second; a `live` older than this was
# written by a worker that is gone, so it is not reported as live.
LIVE_REPORT_STALE_AFTER = timedelta(seconds=10)


# Network source kinds and whether this deployment can have an ingest for them: the embedded
# one runs nginx-rtmp for `rtmp` only (server/streaming/ingest.py).
INGEST_KINDS = ("rtmp", "srt", "whip")


@dataclass(frozen=True)
class StreamStatusView:
    studio: Studio
    destinations: list[Destination]
    # Per network source kind: True while an ingest for it accepts publishers.
    ingest: dict[str, bool]
    # True when the studio should be streaming but no relay worker has run it for longer than
    # the bound: it is reported `errored` (`relay_unavailable`), not as it is stored.
    unowned: bool = False


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


def output_target(destination: Destination) -> OutputTarget:
    return OutputTarget(destination.id, destination.rtmp_url, destination.stream_key or "")


def require_streamable(destination: Destination) -> None:
    if destination.enabled and not destination.stream_key:
        raise Conflict(
            "destination_missing_stream_key",
            f"Destination {destination.id} is enabled but has no stream key.",
        )


class StreamService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        engine: StreamEngine,
        unowned_after: timedelta = timedelta(seconds=20),
    ):
        self._uow = unit_of_work
        self._engine = engine
        # With a relay (an asynchronous engine): how long a streaming studio may have no worker
        # before it is reported errored. A takeover happens within one lease plus a tick.
        self._unowned_after = unowned_after

    def status(self, account_id: str, studio_id: str) -> StreamStatusView:
        with self._uow() as uow:
            return self._view(uow, require_studio(uow, account_id, studio_id))

    def go_live(self, account_id: str, studio_id: str) -> StreamStatusView:
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            if studio.stream_state in STREAMING:
                return self._view(uow, studio)
            if studio.stream_state == STOPPING:
                raise Conflict("stream_busy", "The studio is stopping; try again when offline.")
            enabled = [
                d for d in uow.destinations.all_for_studio(account_id, studio_id) if d.enabled
            ]
            if not enabled:
                raise Conflict(
                    "no_enabled_destination",
                    "The studio has no enabled destination to go live to.",
                )
            for destination in enabled:
                require_streamable(destination)
            now = utcnow()
            previous = studio.stream_state
            won = uow.stream.transition(
                account_id,
                studio_id,
                (OFFLINE, ERRORED),
                STARTING,
                now,
                stream_started_at=now,
                stream_error=None,
            )
            if won:
                uow.stream.record(studio_id, previous, STARTING, now)
                uow.destinations.set_output_states(studio_id, {d.id: STARTING for d in enabled})
                uow.commit()
        if not won:  # another call made the transition first
            return self.status(account_id, studio_id)

        try:
            states = self._engine.start(studio_id, [output_target(d) for d in enabled])
        except Exception:
            logger.exception("stream engine failed to start studio %s", studio_id)
            states = {d.id: ERRORED for d in enabled}
        if LIVE in states.values():
            outcome = LIVE
        elif STARTING in states.values():  # a worker reconciles; it moves the studio to live
            with self._uow() as uow:
                uow.destinations.set_output_states(studio_id, states)
                uow.commit()
            return self.status(account_id, studio_id)
        else:
            outcome = ERRORED
        with self._uow() as uow:
            now = utcnow()
            failed = {"stream_started_at": None, "stream_error": "stream_failed"}
            extra = {} if outcome == LIVE else failed
            if uow.stream.transition(account_id, studio_id, (STARTING,), outcome, now, **extra):
                uow.stream.record(studio_id, STARTING, outcome, now)
                uow.destinations.set_output_states(studio_id, states)
                uow.commit()
            else:  # taken offline while starting: the engine must not keep running
                self._engine.stop(studio_id)
        return self.status(account_id, studio_id)

    def go_offline(self, account_id: str, studio_id: str) -> StreamStatusView:
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            previous = studio.stream_state
            if previous in (OFFLINE, STOPPING):
                return self._view(uow, studio)
            now = utcnow()
            if previous == ERRORED:
                if uow.stream.transition(
                    account_id,
                    studio_id,
                    (ERRORED,),
                    OFFLINE,
                    now,
                    stream_started_at=None,
                    stream_error=None,
                    program=None,
                ):
                    uow.stream.record(studio_id, ERRORED, OFFLINE, now)
                    self._reset_outputs(uow, account_id, studio_id)
                    uow.commit()
                won = False  # nothing left to stop
            else:
                won = uow.stream.transition(account_id, studio_id, STREAMING, STOPPING, now)
                if won:
                    uow.stream.record(studio_id, previous, STOPPING, now)
                    uow.commit()
        if not won:
            return self.status(account_id, studio_id)

        try:
            self._engine.stop(studio_id)
        except Exception:
            logger.exception("stream engine failed to stop studio %s", studio_id)
        with self._uow() as uow:
            now = utcnow()
            if self._engine.asynchronous and uow.relay_leases.holder(studio_id, now):
                # The worker holding the studio stops its processes, then moves it offline.
                return self._view(uow, require_studio(uow, account_id, studio_id))
            if uow.stream.transition(
                account_id,
                studio_id,
                (STOPPING,),
                OFFLINE,
                now,
                stream_started_at=None,
                program=None,
            ):
                uow.stream.record(studio_id, STOPPING, OFFLINE, now)
                self._reset_outputs(uow, account_id, studio_id)
                uow.commit()
        return self.status(account_id, studio_id)

    def output_changed(
        self, account_id: str, studio_id: str, destination_id: str, *, restart: bool
    ) -> None:
        """Brings a running studio's output for one destination in line with the destination
        as now stored (deleted, disabled, enabled, or given a new URL or key)."""
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            if studio.stream_state not in STREAMING:
                return
            destination = uow.destinations.get(account_id, studio_id, destination_id)
        if destination is None or not destination.enabled:
            self._engine.stop_output(studio_id, destination_id)
            state = IDLE
        elif restart or destination.output_state not in STREAMING:
            self._engine.stop_output(studio_id, destination_id)
            try:
                state = self._engine.start_output(studio_id, output_target(destination))
            except Exception:
                logger.exception("stream engine failed to start output %s", destination_id)
                state = ERRORED
        else:
            return
        if destination is not None:
            with self._uow() as uow:
                uow.destinations.set_output_states(studio_id, {destination_id: state})
                uow.commit()

    def transitions(self, account_id: str, studio_id: str) -> list[tuple[str, str]]:
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            return [(t.from_state, t.to_state) for t in uow.stream.transitions(studio_id)]

    @staticmethod
    def _reset_outputs(uow: UnitOfWork, account_id: str, studio_id: str) -> None:
        destinations = uow.destinations.all_for_studio(account_id, studio_id)
        uow.destinations.set_output_states(studio_id, {d.id: IDLE for d in destinations})

    def _view(self, uow: UnitOfWork, studio: Studio) -> StreamStatusView:
        destinations = uow.destinations.all_for_studio(studio.account_id, studio.id)
        now = utcnow()
        ingest = {kind: uow.ingest_nodes.available(kind, now) for kind in INGEST_KINDS}
        return StreamStatusView(
            studio=studio,
            destinations=destinations,
            ingest=ingest,
            unowned=self._unowned(uow, studio, now),
        )

    def _unowned(self, uow: UnitOfWork, studio: Studio, now) -> bool:
        if not self._engine.asynchronous or studio.stream_state not in STREAMING:
            return False
        if uow.relay_leases.holder(studio.id, now) is not None:
            return False
        since = uow.relay_leases.unowned_since(studio.id, now) or studio.stream_started_at
        return since is not None and now - since > self._unowned_after
