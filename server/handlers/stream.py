from __future__ import annotations

from typing import Any

from server.domain.principal import Principal
from server.handlers.shaping import timestamp
from server.services.stream import (
    LIVE,
    StreamService,
    StreamStatusView,
    destination_status,
)
from server.storage.models import Destination, Studio

# What nothing measures is null, never invented (the bookkeeping engine measures nothing).
UNMEASURED_HEALTH = {"bitrateKbps": None, "framesPerSecond": None, "droppedFrames": None}


def destination_health(status: str, destination: Destination) -> dict[str, Any]:
    if status != LIVE:
        return dict(UNMEASURED_HEALTH)
    return {
        "bitrateKbps": destination.health_bitrate_kbps,
        "framesPerSecond": destination.health_fps,
        "droppedFrames": destination.health_dropped_frames,
    }


def studio_health(destinations: list[dict[str, Any]]) -> dict[str, Any]:
    """The studio's totals over its live destinations: outbound bitrate summed, the lowest
    frame rate, the program's dropped frames."""
    measured = [d["health"] for d in destinations if d["health"]["bitrateKbps"] is not None]
    if not measured:
        return dict(UNMEASURED_HEALTH)
    fps = [h["framesPerSecond"] for h in measured if h["framesPerSecond"] is not None]
    dropped = [h["droppedFrames"] for h in measured if h["droppedFrames"] is not None]
    return {
        "bitrateKbps": sum(h["bitrateKbps"] for h in measured),
        "framesPerSecond": min(fps) if fps else None,
        "droppedFrames": max(dropped) if dropped else None,
    }


def present_program(studio: Studio) -> dict[str, Any] | None:
    if studio.program is None:
        return None
    if studio.program == "slate":
        return {"kind": "slate", "sourceId": None}
    return {"kind": "source", "sourceId": studio.program}


def present_stream_status(view: StreamStatusView) -> dict[str, Any]:
    studio = view.studio
    destinations = []
    for destination in view.destinations:
        status = destination_status(studio, destination)
        errored = status == "errored"
        destinations.append(
            {
                "destinationId": destination.id,
                "platform": destination.platform,
                "name": destination.name,
                "status": status,
                "health": destination_health(status, destination),
                "reason": destination.output_reason if errored else None,
                "retryAt": (
                    timestamp(destination.output_retry_at)
                    if errored and destination.output_retry_at
                    else None
                ),
            }
        )
    return {
        "studioId": studio.id,
        "state": studio.stream_state,
        "startedAt": timestamp(studio.stream_started_at) if studio.stream_started_at else None,
        "health": studio_health(destinations),
        "program": present_program(studio),
        "ingest": {
            kind: "available" if available else "unavailable"
            for kind, available in view.ingest.items()
        },
        "destinations": destinations,
    }


class StreamHandlers:
    def __init__(self, stream: StreamService):
        self._stream = stream

    def get_stream_status(self, principal: Principal, studio_id: str):
        return present_stream_status(self._stream.status(principal.account_id, studio_id)), 200

    def go_live(self, principal: Principal, studio_id: str):
        return present_stream_status(self._stream.go_live(principal.account_id, studio_id)), 200

    def go_offline(self, principal: Principal, studio_id: str):
        return present_stream_status(self._stream.go_offline(principal.account_id, studio_id)), 200
