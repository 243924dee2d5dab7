"""In-memory stand-ins for the unit level (tests/unit): a unit of work over dicts with the
repository methods the stream service calls, and a stream engine that plays a script. Both
keep the contracts of the real ones that the services rely on (a transition happens only from
the given states; nothing is visible to a later unit of work unless committed)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.domain.clock import utcnow
from server.storage.repositories import StreamTransitionMade
from server.streaming.engine import OutputTarget


@dataclass
class Studio:
    """The fields of a studio row the stream service reads and writes."""

    id: str
    account_id: str
    stream_state: str = "offline"
    stream_generation: int = 0
    version: int = 1
    stream_started_at: datetime | None = None
    program: str | None = None
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class Destination:
    id: str
    account_id: str
    studio_id: str
    enabled: bool = True
    stream_key: str | None = "key-1234"
    rtmp_url: str = "rtmp://203.0.113.5/live"
    output_state: str = "idle"
    health_at: datetime | None = None

    @property
    def has_stream_key(self) -> bool:
        return self.stream_key is not None


@dataclass
class Store:
    """What the database holds: committed state only."""

    studios: dict[str, Studio] = field(default_factory=dict)
    destinations: dict[str, Destination] = field(default_factory=dict)
    transitions: list[tuple[str, str, str]] = field(default_factory=list)
    lease_holders: dict[str, str] = field(default_factory=dict)

    def add_studio(self, studio_id: str, account_id: str = "acc_1", state: str = "offline"):
        self.studios[studio_id] = Studio(studio_id, account_id, stream_state=state)
        return self.studios[studio_id]

    def add_destination(self, destination_id: str, studio_id: str, **fields: Any):
        studio = self.studios[studio_id]
        self.destinations[destination_id] = Destination(
            destination_id, studio.account_id, studio_id, **fields
        )
        return self.destinations[destination_id]


class _Studios:
    def __init__(self, uow: FakeUnitOfWork):
        self._uow = uow

    def get(self, account_id: str, studio_id: str) -> Studio | None:
        studio = self._uow.data.studios.get(studio_id)
        return studio if studio is not None and studio.account_id == account_id else None


class _Destinations:
    def __init__(self, uow: FakeUnitOfWork):
        self._uow = uow

    def all_for_studio(self, account_id: str, studio_id: str) -> list[Destination]:
        return sorted(
            (
                d
                for d in self._uow.data.destinations.values()
                if d.studio_id == studio_id and d.account_id == account_id
            ),
            key=lambda d: d.id,
        )

    def get(self, account_id: str, studio_id: str, destination_id: str) -> Destination | None:
        found = self._uow.data.destinations.get(destination_id)
        if found is None or found.studio_id != studio_id or found.account_id != account_id:
            return None
        return found

    def set_output_states(self, studio_id: str, states: dict[str, Any]) -> None:
        for destination_id, state in states.items():
            destination = self._uow.data.destinations.get(destination_id)
            if destination is not None and destination.studio_id == studio_id:
                destination.output_state = getattr(state, "state", state)


class _Stream:
    def __init__(self, uow: FakeUnitOfWork):
        self._uow = uow

    def transition(
        self,
        account_id: str,
        studio_id: str,
        from_states: Iterable[str],
        to_state: str,
        at: datetime,
        *,
        generation: int | None = None,
        version: int | None = None,
        **values: Any,
    ) -> StreamTransitionMade | None:
        """As the repository: from one of `from_states` (at `generation` and `version` when
        given), moving the generation and the version on and logging the step."""
        studio = self._uow.data.studios.get(studio_id)
        if studio is None or studio.account_id != account_id:
            return None
        if studio.stream_state not in tuple(from_states):
            return None
        if generation is not None and studio.stream_generation != generation:
            return None
        if version is not None and studio.version != version:
            return None
        previous = studio.stream_state
        studio.stream_state, studio.updated_at = to_state, at
        studio.stream_generation += 1
        studio.version += 1
        for name, value in values.items():
            setattr(studio, name, value)
        self._uow.data.transitions.append((studio_id, previous, to_state))
        return StreamTransitionMade(previous, to_state, studio.stream_generation)

    def generation(self, studio_id: str) -> int | None:
        studio = self._uow.data.studios.get(studio_id)
        return None if studio is None else studio.stream_generation

    def transitions(self, studio_id: str) -> list[Any]:
        return [_Transition(f, t) for s, f, t in self._uow.data.transitions if s == studio_id]


@dataclass
class _Transition:
    from_state: str
    to_state: str


class _Leases:
    def __init__(self, uow: FakeUnitOfWork):
        self._uow = uow

    def holder(self, studio_id: str, now: datetime) -> str | None:
        return self._uow.data.lease_holders.get(studio_id)

    def unowned_since(self, studio_id: str, now: datetime) -> datetime | None:
        return None  # leases here never expire: held, or never taken


class _IngestNodes:
    def available_protocols(self, now: datetime) -> frozenset[str]:
        return frozenset()  # no ingest node runs at the unit level


class FakeUnitOfWork:
    """Works on a copy of the store; commit() publishes the copy, leaving without commit
    drops it (the real unit of work rolls back)."""

    def __init__(self, store: Store):
        self._store = store
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self.data = copy.deepcopy(self._store)
        self.studios = _Studios(self)
        self.destinations = _Destinations(self)
        self.stream = _Stream(self)
        self.relay_leases = _Leases(self)
        self.ingest_nodes = _IngestNodes()
        return self

    def __exit__(self, *exc_info: object) -> None:
        del self.data

    def commit(self) -> None:
        self._store.studios = self.data.studios
        self._store.destinations = self.data.destinations
        self._store.transitions = self.data.transitions
        self._store.lease_holders = self.data.lease_holders
        self.data = copy.deepcopy(self._store)
        self.committed = True


def fake_unit_of_work(store: Store) -> Callable[[], FakeUnitOfWork]:
    return lambda: FakeUnitOfWork(store)


@dataclass
class ScriptedEngine:
    """Answers `start` with the scripted state for every output (or raises `fails_with`), and
    runs `during_start` first: the place to make another request act meanwhile."""

    asynchronous: bool = False
    start_state: str = "live"
    fails_with: Exception | None = None
    during_start: Callable[[], None] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def start(self, studio_id: str, outputs: list[OutputTarget]) -> dict[str, str]:
        self.calls.append(("start", studio_id))
        if self.during_start is not None:
            self.during_start()
        if self.fails_with is not None:
            raise self.fails_with
        return {output.destination_id: self.start_state for output in outputs}

    def stop(self, studio_id: str) -> None:
        self.calls.append(("stop", studio_id))

    def start_output(self, studio_id: str, output: OutputTarget) -> str:
        self.calls.append(("start_output", output.destination_id))
        return self.start_state

    def stop_output(self, studio_id: str, destination_id: str) -> None:
        self.calls.append(("stop_output", destination_id))


class PlainStreamKeys:
    """The stream-key vault of the unit level: keys are kept in the clear on the fake rows."""

    def open(self, destination: Destination) -> str:
        if destination.stream_key is None:
            raise ValueError(f"destination {destination.id} has no stream key")
        return destination.stream_key
