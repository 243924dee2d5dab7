from __future__ import annotations

from typing import Any

from server.domain.principal import Principal
from server.handlers.shaping import timestamp
from server.services.stream import StreamService, StreamStatusView, destination_status

# Nothing measures health yet (the built-in engine relays no media): null, never invented.
UNMEASURED_HEALTH = {"bitrateKbps": None, "framesPerSecond": None, "droppedFrames": None}


def present_stream_status(view: StreamStatusView) -> dict[str, Any]:
    studio = view.studio
    return {
        "studioId": studio.id,
        "state": studio.stream_state,
        "startedAt": timestamp(studio.stream_started_at) if studio.stream_started_at else None,
        "health": dict(UNMEASURED_HEALTH),
        "destinations": [
            {
                "destinationId": destination.id,
                "platform": destination.platform,
                "name": destination.name,
                "status": destination_status(studio, destination),
                "health": dict(UNMEASURED_HEALTH),
            }
            for destination in view.destinations
        ],
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
