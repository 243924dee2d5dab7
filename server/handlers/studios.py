from __future__ import annotations

from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.shaping import Response, etag_headers, page_body, timestamp
from server.services.rows import Studio
from server.services.studios import STUDIO_ID_PREFIX, StudioService


def present_studio(studio: Studio) -> dict[str, Any]:
    return {
        "id": studio.id,
        "name": studio.name,
        "autoGoLive": studio.auto_go_live,
        "streamState": studio.stream_state,
        "createdAt": timestamp(studio.created_at),
        "updatedAt": timestamp(studio.updated_at),
    }


class StudioHandlers:
    def __init__(self, studios: StudioService) -> None:
        self._studios = studios

    def list_studios(
        self, principal: Principal, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, STUDIO_ID_PREFIX)
        page = self._studios.list(principal.account_id, request)
        return page_body(page, present_studio), 200

    def create_studio(self, principal: Principal, body: dict[str, Any]) -> Response:
        studio = self._studios.create(
            principal.account_id, name=body["name"], auto_go_live=body.get("autoGoLive", False)
        )
        return (
            present_studio(studio),
            201,
            etag_headers(studio, Location=f"/v1/studios/{studio.id}"),
        )

    def get_studio(self, principal: Principal, studio_id: str) -> Response:
        studio = self._studios.get(principal.account_id, studio_id)
        return present_studio(studio), 200, etag_headers(studio)

    def update_studio(self, principal: Principal, studio_id: str, body: dict[str, Any]) -> Response:
        studio = self._studios.update(
            principal.account_id,
            studio_id,
            name=body.get("name"),
            auto_go_live=body.get("autoGoLive"),
        )
        return present_studio(studio), 200, etag_headers(studio)
