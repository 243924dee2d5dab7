"""What actually takes a studio live: the stream engine, behind a small interface.

The services own the state machine and the database; an engine only starts and stops outputs
and reports each output's state. A real relay (pushing the program to each destination's RTMP
ingest) implements the same interface and is selected in `Services.build`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from server.domain.states import OutputState

# The output states an engine reports (the service stores them as they are).
LIVE, ERRORED, STARTING = OutputState.LIVE, OutputState.ERRORED, OutputState.STARTING


@dataclass(frozen=True)
class OutputTarget:
    destination_id: str
    rtmp_url: str
    stream_key: str = field(repr=False)  # never in a repr, a log line or an error


class StreamEngine(Protocol):
    # True when the engine only records intent and a worker reconciles (the relay): go-live
    # leaves outputs `starting` and go-offline leaves the studio `stopping` for the worker that
    # holds it to finish. False when start/stop complete before they return.
    asynchronous: bool

    def start(self, studio_id: str, outputs: list[OutputTarget]) -> dict[str, str]:
        """Starts the studio's program and one output per target; returns each output's state
        (`starting`, `live` or `errored`) by destination id."""

    def stop(self, studio_id: str) -> None:
        """Stops the program and every output of the studio."""

    def start_output(self, studio_id: str, output: OutputTarget) -> str:
        """Adds one output to a running studio; returns its state."""

    def stop_output(self, studio_id: str, destination_id: str) -> None:
        """Removes one output from a running studio."""


class BookkeepingEngine:
    """The built-in engine. It relays no media: it accepts every start and stop at once and
    reports each output `live`, so the API's state machine, per-destination states and
    transition record can be run and tested without a media plane. It measures nothing, so
    every health figure stays null. Outputs it considers running are kept per process, for
    inspection in tests."""

    asynchronous = False

    def __init__(self) -> None:
        self.running: dict[str, set[str]] = {}

    def start(self, studio_id: str, outputs: list[OutputTarget]) -> dict[str, str]:
        self.running[studio_id] = {output.destination_id for output in outputs}
        return {output.destination_id: LIVE for output in outputs}

    def stop(self, studio_id: str) -> None:
        self.running.pop(studio_id, None)

    def start_output(self, studio_id: str, output: OutputTarget) -> str:
        self.running.setdefault(studio_id, set()).add(output.destination_id)
        return LIVE

    def stop_output(self, studio_id: str, destination_id: str) -> None:
        self.running.get(studio_id, set()).discard(destination_id)


class RelayEngine:
    """The embedded media plane's side of the API. The desired state is what the services
    already store (studio state, enabled destinations, keys); a relay worker
    (server/streaming/relay.py) holding the studio's lease runs the processes and reports each
    output `starting`, then `live` once its first bytes are accepted, or `errored`. So this
    engine starts nothing itself and answers `starting` for every output."""

    asynchronous = True

    def start(self, studio_id: str, outputs: list[OutputTarget]) -> dict[str, str]:
        return {output.destination_id: STARTING for output in outputs}

    def stop(self, studio_id: str) -> None:
        return None

    def start_output(self, studio_id: str, output: OutputTarget) -> str:
        return STARTING

    def stop_output(self, studio_id: str, destination_id: str) -> None:
        return None
