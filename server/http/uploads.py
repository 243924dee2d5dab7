"""`PUT /uploads/{mediaId}?expires=…&signature=…`: the embedded media store's presigned upload
URL. It is not part of the /v1 contract (clients get it, opaque, from create_media), so it is
served here, in front of the JSON stack: it is exempt from the JSON body limit and streams the
body to disk, bounded by the asset's declared size, never holding it in memory.

The URL is the credential (no API key). In order: 404 for a path that names no asset, 405 for a
method other than PUT, 403 `upload_url_invalid` unless this server signed exactly this URL,
403 `upload_url_expired`, 409 `upload_not_pending` once the asset is settled, 503
`write_disabled` while writes are off, 415 for a Content-Type other than the signed one, 400 for
a Content-Length other than the signed size (or none), 413 for a body that runs past it, 409
`upload_in_progress` while another upload of the same asset is in flight (one at a time, so
trickling connections cannot pile up part files), 408 `request_timeout` when no data arrives
for `idle_timeout` seconds or the whole body takes longer than its size allows at
`min_bytes_per_second` (plus twice `idle_timeout`). Any refusal stores nothing. Success is
`204 No Content`, and the asset is `ready`. Errors use the one envelope (raised ApiErrors
reach the error handlers; the outer middleware adds X-Request-Id).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.errors import (
    Conflict,
    ErrorCode,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    UnsupportedMediaType,
    UploadNotPending,
    UploadUrlExpired,
    WriteDisabled,
)
from server.domain.states import MediaStatus
from server.http.spec import has_control_character
from server.services.media import MediaService, UploadGrant
from server.storage.media_store import UPLOAD_PATH_PREFIX, LocalMediaStore, UploadInProgress

logger = logging.getLogger("trax.media")


class _ClientGone(Exception):
    """The client disconnected before sending the whole body."""


class MediaUploadMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        media: MediaService,
        store: LocalMediaStore,
        write_enabled: bool,
        idle_timeout: float = 30.0,
        min_bytes_per_second: int = 128 * 1024,
    ) -> None:
        self.app = app
        self.media = media
        self.store = store
        self.write_enabled = write_enabled
        self.idle_timeout = idle_timeout
        self.min_bytes_per_second = min_bytes_per_second

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(UPLOAD_PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        media_id = scope["path"].removeprefix(UPLOAD_PATH_PREFIX)
        if not media_id or "/" in media_id or has_control_character(media_id):
            raise NotFound("No such route. Upload to the URL create_media returned, unchanged.")
        if scope["method"] != "PUT":
            raise MethodNotAllowed(
                f"{scope['method']} is not allowed here; use PUT.", headers={"Allow": "PUT"}
            )
        query = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        grant = await anyio.to_thread.run_sync(
            self.media.authorize_upload,
            media_id,
            _single(query, "expires"),
            _single(query, "signature"),
        )
        if not self.write_enabled:
            raise WriteDisabled()
        self._check_headers(grant, dict(scope["headers"]))
        try:
            with self.store.upload_lock(grant.media_id):
                await self._receive_into_store(grant, receive)
        except UploadInProgress:
            raise Conflict(
                ErrorCode.UPLOAD_IN_PROGRESS,
                "Another upload of this asset is in flight; wait for it to finish.",
            ) from None
        except _ClientGone:
            logger.info("upload of %s abandoned by the client; nothing stored", grant.media_id)
            return
        asset = await anyio.to_thread.run_sync(self.media.complete_upload, grant.media_id)
        if asset.status == MediaStatus.EXPIRED:
            raise UploadUrlExpired()
        if asset.status != MediaStatus.READY:
            raise UploadNotPending(f"This asset is {asset.status}; nothing was stored.")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def _check_headers(grant: UploadGrant, headers: dict[bytes, bytes]) -> None:
        content_type = headers.get(b"content-type", b"").decode("latin-1").strip().lower()
        if content_type != grant.content_type:
            raise UnsupportedMediaType(
                f"This upload URL accepts only Content-Type: {grant.content_type}."
            )
        length = headers.get(b"content-length")
        if length is None or not length.isdigit() or int(length) != grant.size:
            raise InvalidRequest(
                f"This upload URL accepts exactly {grant.size} bytes: send "
                f"Content-Length: {grant.size} and that many bytes."
            )

    async def _next_message(self, receive: Receive) -> Message:
        with anyio.move_on_after(self.idle_timeout):
            return await receive()
        raise RequestTimeout(f"No data arrived for {self.idle_timeout:g} seconds.")

    async def _receive_into_store(self, grant: UploadGrant, receive: Receive) -> None:
        """Streams the body into a part file, then moves it into place if it is complete and
        the URL is still valid. The part file never outlives this call."""
        part: Path = await anyio.to_thread.run_sync(self.store.new_part_file, grant.media_id)
        # Twice the idle allowance on top of the size at the slowest rate accepted.
        total_seconds = 2 * self.idle_timeout + grant.size / self.min_bytes_per_second
        try:
            received = 0
            async with await anyio.open_file(part, "xb") as out:
                with anyio.move_on_after(total_seconds) as whole_body:
                    while True:
                        message = await self._next_message(receive)
                        if message["type"] == "http.disconnect":
                            raise _ClientGone()
                        chunk = message.get("body", b"")
                        received += len(chunk)
                        if received > grant.size:
                            raise PayloadTooLarge(
                                f"The body is longer than the {grant.size} bytes this URL accepts."
                            )
                        if chunk:
                            await out.write(chunk)
                        if not message.get("more_body", False):
                            break
                if whole_body.cancelled_caught:
                    raise RequestTimeout(
                        f"The body did not arrive within {total_seconds:.0f} seconds "
                        f"(at least {self.min_bytes_per_second} bytes a second)."
                    )
                await out.flush()
                await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
            if received != grant.size:
                raise InvalidRequest(
                    f"The body was {received} bytes; this URL accepts exactly {grant.size}."
                )
            self.media.upload_still_valid(grant)
            moved = await anyio.to_thread.run_sync(
                self.store.commit_part_file, part, grant.media_id
            )
            if not moved:
                raise UploadNotPending("Another upload of this asset completed first.")
        except OSError as exc:
            logger.error("could not store the upload of %s: %s", grant.media_id, exc)
            raise ServiceUnavailable("The media store could not store the upload.") from exc
        finally:
            part.unlink(missing_ok=True)


def _single(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name, [])
    return values[0] if len(values) == 1 else ""
