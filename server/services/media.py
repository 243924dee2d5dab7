"""The media library: registering uploads, checking them, and keeping every status current.

An asset starts `pending_upload`. It is settled (ready, failed or expired; all final) by
reconciling it with the store: the object must exist, have completed before the upload URL's
expiry, and match the declared size and type. Reconciliation runs wherever a pending asset is
about to be shown (get, list) and right after the embedded store accepts an upload, so no
response ever shows a status that storage already contradicts."""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.domain.clock import utcnow
from server.domain.errors import (
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    UploadNotPending,
    UploadUrlExpired,
    UploadUrlInvalid,
)
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.domain.states import MediaStatus
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.media_store import (
    MediaStore,
    PresignedUpload,
    StorageUnavailableError,
    StoredObject,
    UploadSigner,
    is_media_id,
)
from server.storage.models import MediaAsset

logger = logging.getLogger("trax.media")

MEDIA_ID_PREFIX = "media"
_EXPIRES = re.compile(r"^[0-9]{1,12}$")  # Unix seconds, ASCII digits only


@dataclass(frozen=True)
class Settlement:
    status: str
    failure_reason: str | None = None
    # The stored object is not (or no longer) wanted: an unchecked or late upload.
    discard_object: bool = False


@dataclass(frozen=True)
class UploadGrant:
    """What a valid upload URL of the embedded store allows: exactly this many bytes of this
    type for this asset, until `expires_at`."""

    media_id: str
    content_type: str
    size: int
    expires_at: datetime


def settle(asset: MediaAsset, stored: StoredObject | None, now: datetime) -> Settlement | None:
    """The final status storage implies for a pending asset, or None while it is undecided."""
    if stored is None:
        return Settlement(MediaStatus.EXPIRED) if now >= asset.upload_expires_at else None
    if stored.completed_at >= asset.upload_expires_at:
        return Settlement(MediaStatus.EXPIRED, discard_object=True)
    if stored.size != asset.size:
        return Settlement(MediaStatus.FAILED, "size_mismatch", discard_object=True)
    if stored.content_type is not None and stored.content_type.strip().lower() != (
        asset.content_type
    ):
        return Settlement(MediaStatus.FAILED, "content_type_mismatch", discard_object=True)
    return Settlement(MediaStatus.READY)


class MediaService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        store: MediaStore,
        *,
        max_bytes: int,
        upload_ttl: timedelta,
        signer: UploadSigner | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = unit_of_work
        self.store = store
        self._max_bytes = max_bytes
        self._upload_ttl = upload_ttl
        self._signer = signer
        self._clock = clock

    # --- the /v1 operations -------------------------------------------------------------

    def create(
        self, account_id: str, *, filename: str, content_type: str, size: int, origin: str
    ) -> tuple[MediaAsset, PresignedUpload]:
        if size > self._max_bytes:
            raise InvalidRequest(
                f"size is {size} bytes; this deployment accepts at most {self._max_bytes}."
            )
        now = self._clock()
        # Whole seconds, so the asset's uploadExpiresAt equals the URL's own expiry exactly.
        expires_at = (now + self._upload_ttl).replace(microsecond=0)
        asset = MediaAsset(
            id=new_id(MEDIA_ID_PREFIX),
            account_id=account_id,
            filename=filename,
            content_type=content_type,
            size=size,
            status=MediaStatus.PENDING_UPLOAD,
            failure_reason=None,
            upload_expires_at=expires_at,
            ready_at=None,
            created_at=now,
            updated_at=now,
        )
        # Signing is local computation for both stores: nothing to undo if it fails.
        upload = self.store.presign_upload(asset.id, content_type, size, expires_at, origin)
        with self._uow() as uow:
            uow.media.add(asset)
            uow.commit()
        return asset, upload

    def get(self, account_id: str, media_id: str) -> MediaAsset:
        with self._uow() as uow:
            asset = uow.media.get(account_id, media_id)
        if asset is None:
            raise NotFound("No such media asset.")
        return self._reconciled([asset])[0]

    def list(self, account_id: str, request: PageRequest) -> Page[MediaAsset]:
        with self._uow() as uow:
            rows = uow.media.page(account_id, request)
        page = page_from_rows(rows, request, lambda asset: asset.id)
        return Page(items=self._reconciled(page.items), next_cursor=page.next_cursor)

    # --- the embedded store's upload URL ------------------------------------------------

    def authorize_upload(self, media_id: str, expires: str, signature: str) -> UploadGrant:
        """Checks an upload URL of the embedded store: 403 upload_url_invalid unless this server
        signed exactly it, 403 upload_url_expired after its expiry, 409 upload_not_pending once
        the asset is settled."""
        if self._signer is None or not is_media_id(media_id) or not _EXPIRES.match(expires):
            raise UploadUrlInvalid()
        with self._uow() as uow:
            asset = uow.media.get_any_account(media_id)
        if asset is None or not self._signer.verify(
            asset.id, asset.content_type, asset.size, int(expires), signature
        ):
            raise UploadUrlInvalid()
        if int(expires) != int(asset.upload_expires_at.timestamp()):
            raise UploadUrlInvalid()
        if self._clock() >= asset.upload_expires_at:
            raise UploadUrlExpired()
        asset = self._reconciled([asset])[0]
        if asset.status != MediaStatus.PENDING_UPLOAD:
            raise UploadNotPending(f"This asset is already {asset.status}; nothing was stored.")
        return UploadGrant(asset.id, asset.content_type, asset.size, asset.upload_expires_at)

    def upload_still_valid(self, grant: UploadGrant) -> None:
        """An upload must complete before its URL expires."""
        if self._clock() >= grant.expires_at:
            raise UploadUrlExpired()

    def complete_upload(self, media_id: str) -> MediaAsset:
        """Settles an asset right after the embedded store has moved its upload into place."""
        with self._uow() as uow:
            asset = uow.media.get_any_account(media_id)
        if asset is None:
            raise NotFound("No such media asset.")
        return self._reconciled([asset])[0]

    # --- reconciliation -----------------------------------------------------------------

    def _reconciled(self, assets: builtins.list[MediaAsset]) -> builtins.list[MediaAsset]:
        """The assets with every pending one settled as storage says. Storage is asked outside
        any transaction; each settlement is a conditional write (only from pending_upload), so
        concurrent readers agree on one outcome."""
        pending = [asset for asset in assets if asset.status == MediaStatus.PENDING_UPLOAD]
        if not pending:
            return assets
        now = self._clock()
        settlements: dict[str, Settlement] = {}
        for asset in pending:
            try:
                stored = self.store.find(asset.id)
            except StorageUnavailableError as exc:
                logger.error("media store unavailable while checking %s: %s", asset.id, exc)
                raise ServiceUnavailable("The media store is unavailable; retry later.") from exc
            outcome = settle(asset, stored, now)
            if outcome is not None:
                settlements[asset.id] = outcome
        if not settlements:
            return assets
        with self._uow() as uow:
            won = {
                media_id
                for media_id, outcome in settlements.items()
                if uow.media.settle_pending(
                    media_id,
                    status=outcome.status,
                    failure_reason=outcome.failure_reason,
                    ready_at=now if outcome.status == MediaStatus.READY else None,
                    now=now,
                )
            }
            for media_id in sorted(won):
                uow.events.queue(
                    f"media.{settlements[media_id].status}",
                    ("media", media_id),
                    {"status": MediaStatus.PENDING_UPLOAD},
                )
            uow.commit()
            current = uow.media.get_many(list(settlements))
        for media_id in won:
            if settlements[media_id].discard_object:
                self.store.delete(media_id)
        return [current.get(asset.id, asset) for asset in assets]
