from __future__ import annotations

from typing import Any

from server.domain.principal import Principal
from server.domain.states import OutputState
from server.handlers.shaping import Response, timestamp
from server.services.rows import Destination, Studio
from server.services.stream import StreamService, StreamStatusView

# What nothing measures is null, never invented (the bookkeeping engine measures nothing).
UNMEASURED_HEALTH = {"bitrateKbps": None, "framesPerSecond": None, "droppedFrames": None}


def destination_health(status: str, destination: Destination) -> dict[str, Any]:
    if status != OutputState.LIVE:
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
    destinations = [
        {
            "destinationId": output.destination.id,
            "platform": output.destination.platform,
            "name": output.destination.name,
            "status": output.status,
            "health": destination_health(output.status, output.destination),
            "reason": output.reason,
            "retryAt": timestamp(output.retry_at) if output.retry_at else None,
        }
        for output in view.outputs()
    ]
    return {
        "studioId": studio.id,
        "state": view.state,
        "reason": view.reason,
        "startedAt": timestamp(studio.stream_started_at) if studio.stream_started_at else None,
        "health": studio_health(destinations),
        "program": None if view.unowned else present_program(studio),
        "ingest": {
            kind: "available" if available else "unavailable"
            for kind, available in view.ingest.items()
        },
        "destinations": destinations,
    }


class StreamHandlers:
    def __init__(self, stream: StreamService) -> None:
        self._stream = stream

    def get_stream_status(self, principal: Principal, studio_id: str) -> Response:
        return present_stream_status(self._stream.status(principal.account_id, studio_id)), 200

    def go_live(self, principal: Principal, studio_id: str) -> Response:
        return present_stream_status(self._stream.go_live(principal.account_id, studio_id)), 200

    def go_offline(self, principal: Principal, studio_id: str) -> Response:
        return present_stream_status(self._stream.go_offline(principal.account_id, studio_id)), 200
