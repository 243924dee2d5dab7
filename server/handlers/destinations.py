from __future__ import annotations

from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.shaping import Response, etag_headers, page_body, timestamp
from server.services.destinations import DESTINATION_ID_PREFIX, DestinationService
from server.services.rows import Destination


def present_destination(destination: Destination) -> dict[str, Any]:
    return {
        "id": destination.id,
        "studioId": destination.studio_id,
        "platform": destination.platform,
        "name": destination.name,
        "rtmpUrl": destination.rtmp_url,
        "enabled": destination.enabled,
        "streamKeySet": destination.has_stream_key,
        "streamKeyLast4": destination.stream_key_last4,
        "connectionId": destination.connection_id,
        "createdAt": timestamp(destination.created_at),
        "updatedAt": timestamp(destination.updated_at),
    }


# Fields a PATCH may set to null to clear; absent means "keep".
_CLEARABLE = {"streamKey": "stream_key", "connectionId": "connection_id"}


class DestinationHandlers:
    def __init__(self, destinations: DestinationService) -> None:
        self._destinations = destinations

    def list_destinations(
        self, principal: Principal, studio_id: str, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, DESTINATION_ID_PREFIX)
        page = self._destinations.list(principal.account_id, studio_id, request)
        return page_body(page, present_destination), 200

    def create_destination(
        self, principal: Principal, studio_id: str, body: dict[str, Any]
    ) -> Response:
        destination = self._destinations.create(
            principal.account_id,
            studio_id,
            platform=body["platform"],
            name=body["name"],
            rtmp_url=body.get("rtmpUrl"),
            stream_key=body.get("streamKey"),
            enabled=body.get("enabled", True),
            connection_id=body.get("connectionId"),
        )
        location = f"/v1/studios/{studio_id}/destinations/{destination.id}"
        return present_destination(destination), 201, etag_headers(destination, Location=location)

    def get_destination(
        self, principal: Principal, studio_id: str, destination_id: str
    ) -> Response:
        destination = self._destinations.get(principal.account_id, studio_id, destination_id)
        return present_destination(destination), 200, etag_headers(destination)

    def update_destination(
        self, principal: Principal, studio_id: str, destination_id: str, body: dict[str, Any]
    ) -> Response:
        clearable = {arg: body[field] for field, arg in _CLEARABLE.items() if field in body}
        destination = self._destinations.update(
            principal.account_id,
            studio_id,
            destination_id,
            name=body.get("name"),
            rtmp_url=body.get("rtmpUrl"),
            enabled=body.get("enabled"),
            **clearable,
        )
        return present_destination(destination), 200, etag_headers(destination)

    def delete_destination(
        self, principal: Principal, studio_id: str, destination_id: str
    ) -> Response:
        self._destinations.delete(principal.account_id, studio_id, destination_id)
        return None, 204
