from __future__ import annotations

from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.shaping import Response, etag_headers, page_body, timestamp
from server.services.media import MEDIA_ID_PREFIX, MediaService
from server.services.rows import MediaAsset, PresignedUpload


def present_media(asset: MediaAsset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "filename": asset.filename,
        "contentType": asset.content_type,
        "size": asset.size,
        "status": asset.status,
        "failureReason": asset.failure_reason,
        "uploadExpiresAt": timestamp(asset.upload_expires_at),
        "readyAt": timestamp(asset.ready_at) if asset.ready_at else None,
        "createdAt": timestamp(asset.created_at),
        "updatedAt": timestamp(asset.updated_at),
    }


def present_upload(upload: PresignedUpload) -> dict[str, Any]:
    return {
        "url": upload.url,
        "method": upload.method,
        "headers": dict(upload.headers),
        "expiresAt": timestamp(upload.expires_at),
    }


class MediaHandlers:
    def __init__(self, media: MediaService) -> None:
        self._media = media

    def list_media(
        self, principal: Principal, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, MEDIA_ID_PREFIX)
        page = self._media.list(principal.account_id, request)
        return page_body(page, present_media), 200

    def create_media(self, principal: Principal, body: dict[str, Any], origin: str) -> Response:
        asset, upload = self._media.create(
            principal.account_id,
            filename=body["filename"],
            content_type=body["contentType"],
            size=body["size"],
            origin=origin,
        )
        created = {**present_media(asset), "upload": present_upload(upload)}
        return created, 201, etag_headers(asset, Location=f"/v1/media/{asset.id}")

    def get_media(self, principal: Principal, media_id: str) -> Response:
        asset = self._media.get(principal.account_id, media_id)
        return present_media(asset), 200, etag_headers(asset)
