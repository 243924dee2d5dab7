from __future__ import annotations

from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.shaping import Response, etag_headers, page_body, timestamp
from server.services.rows import Source
from server.services.sources import SOURCE_ID_PREFIX, SourceService


class SourceHandlers:
    def __init__(self, sources: SourceService) -> None:
        self._sources = sources

    def _present(self, source: Source) -> dict[str, Any]:
        return {
            "id": source.id,
            "studioId": source.studio_id,
            "kind": source.kind,
            "name": source.name,
            "enabled": source.enabled,
            "status": source.status,
            "ingest": self._ingest(source),
            "mediaId": source.media_asset_id,
            "createdAt": timestamp(source.created_at),
            "updatedAt": timestamp(source.updated_at),
        }

    def _ingest(self, source: Source) -> dict[str, Any] | None:
        endpoints = self._sources.ingest(source)
        if endpoints is None:
            return None
        return {
            "streamPath": source.stream_path,
            "endpoints": [{"protocol": e.protocol, "url": e.url} for e in endpoints],
        }

    def list_sources(
        self, principal: Principal, studio_id: str, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, SOURCE_ID_PREFIX)
        page = self._sources.list(principal.account_id, studio_id, request)
        return page_body(page, self._present), 200

    def create_source(self, principal: Principal, studio_id: str, body: dict[str, Any]) -> Response:
        source = self._sources.create(
            principal.account_id,
            studio_id,
            kind=body["kind"],
            name=body["name"],
            enabled=body.get("enabled", True),
            media_id=body.get("mediaId"),
        )
        location = f"/v1/studios/{studio_id}/sources/{source.id}"
        return self._present(source), 201, etag_headers(source, Location=location)

    def get_source(self, principal: Principal, studio_id: str, source_id: str) -> Response:
        source = self._sources.get(principal.account_id, studio_id, source_id)
        return self._present(source), 200, etag_headers(source)

    def update_source(
        self, principal: Principal, studio_id: str, source_id: str, body: dict[str, Any]
    ) -> Response:
        source = self._sources.update(
            principal.account_id,
            studio_id,
            source_id,
            name=body.get("name"),
            enabled=body.get("enabled"),
        )
        return self._present(source), 200, etag_headers(source)

    def delete_source(self, principal: Principal, studio_id: str, source_id: str) -> Response:
        self._sources.delete(principal.account_id, studio_id, source_id)
        return None, 204
