from __future__ import annotations

import uuid
from dataclasses import dataclass

from server.domain.clock import utcnow
from server.domain.conditional import require_version
from server.domain.errors import Conflict, ErrorCode, InvalidRequest, NotFound
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.domain.states import MediaStatus, SourceStatus
from server.services.changes import apply_changes, given
from server.services.retry import retry_on_concurrent_change
from server.services.studios import require_studio
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import Source

SOURCE_ID_PREFIX = "source"
MEDIA_KIND = "media"
PLAYABLE_MEDIA_STATUSES = (MediaStatus.PENDING_UPLOAD, MediaStatus.READY)
MAX_SOURCES_PER_STUDIO = 25
# The ingest plane's ports (v1-contract.md): RTMP 1935, RTMPS 1936, SRT 8890, WHIP 8889.
RTMP_PORT, RTMPS_PORT, SRT_PORT, WHIP_PORT = 1935, 1936, 8890, 8889


@dataclass(frozen=True)
class IngestEndpoint:
    protocol: str
    url: str


def ingest_endpoints(
    kind: str, stream_path: str, host: str, rtmp_port: int = RTMP_PORT
) -> list[IngestEndpoint]:
    """Where a publisher sends a source's feed; derived from its stream path, never stored."""
    if kind == "rtmp":
        return [
            IngestEndpoint("rtmp", f"rtmp://{host}:{rtmp_port}/{stream_path}"),
            IngestEndpoint("rtmps", f"rtmps://{host}:{RTMPS_PORT}/{stream_path}"),
        ]
    if kind == "srt":
        return [IngestEndpoint("srt", f"srt://{host}:{SRT_PORT}?streamid=publish:{stream_path}")]
    if kind == "whip":
        return [IngestEndpoint("whip", f"https://{host}:{WHIP_PORT}/{stream_path}/whip")]
    raise ValueError(f"no ingest for kind {kind}")


class SourceService:
    def __init__(
        self, unit_of_work: UnitOfWorkFactory, ingest_host: str, rtmp_port: int = RTMP_PORT
    ):
        self._uow = unit_of_work
        self.ingest_host = ingest_host
        self.rtmp_port = rtmp_port

    def ingest(self, source: Source) -> list[IngestEndpoint] | None:
        if source.stream_path is None:
            return None
        return ingest_endpoints(source.kind, source.stream_path, self.ingest_host, self.rtmp_port)

    def list(self, account_id: str, studio_id: str, request: PageRequest) -> Page[Source]:
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            rows = uow.sources.page(account_id, studio_id, request)
        return page_from_rows(rows, request, lambda source: source.id)

    def create(
        self,
        account_id: str,
        studio_id: str,
        *,
        kind: str,
        name: str,
        enabled: bool,
        media_id: str | None = None,
    ) -> Source:
        if (kind == MEDIA_KIND) != (media_id is not None):
            raise InvalidRequest("mediaId is required for kind 'media' and allowed only there.")
        now = utcnow()
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            if media_id is not None:
                asset = uow.media.get(account_id, media_id)
                if asset is None or asset.status not in PLAYABLE_MEDIA_STATUSES:
                    raise InvalidRequest(
                        "mediaId must name a ready (or still uploading) asset of your library."
                    )
            uow.studios.lock(account_id, studio_id)  # the count and the insert are one step
            if uow.sources.count(account_id, studio_id) >= MAX_SOURCES_PER_STUDIO:
                raise Conflict(
                    ErrorCode.LIMIT_REACHED,
                    f"A studio holds at most {MAX_SOURCES_PER_STUDIO} sources.",
                )
            source = Source(
                id=new_id(SOURCE_ID_PREFIX),
                account_id=account_id,
                studio_id=studio_id,
                kind=kind,
                name=name,
                enabled=enabled,
                status=SourceStatus.IDLE,
                stream_path=None if media_id else f"inputs/{kind}-{uuid.uuid4()}",
                media_asset_id=media_id,
                created_at=now,
                updated_at=now,
            )
            uow.sources.add(source)
            uow.commit()
        return source

    def get(self, account_id: str, studio_id: str, source_id: str) -> Source:
        with self._uow() as uow:
            return self._require(uow, account_id, studio_id, source_id)

    @retry_on_concurrent_change
    def update(
        self,
        account_id: str,
        studio_id: str,
        source_id: str,
        *,
        name: str | None = None,
        enabled: bool | None = None,
    ) -> Source:
        with self._uow() as uow:
            source = self._require(uow, account_id, studio_id, source_id)
            require_version(source.version)
            if apply_changes(source, given(name=name, enabled=enabled)):
                source.updated_at = utcnow()
                uow.commit()
            return source

    @retry_on_concurrent_change
    def delete(self, account_id: str, studio_id: str, source_id: str) -> None:
        with self._uow() as uow:
            source = self._require(uow, account_id, studio_id, source_id)
            require_version(source.version)
            uow.sources.delete(source)
            uow.commit()

    @staticmethod
    def _require(uow: UnitOfWork, account_id: str, studio_id: str, source_id: str) -> Source:
        require_studio(uow, account_id, studio_id)
        source = uow.sources.get(account_id, studio_id, source_id)
        if source is None:
            raise NotFound("No such source.")
        return source
