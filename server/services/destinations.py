from __future__ import annotations

from server.domain.clock import utcnow
from server.domain.conditional import require_version
from server.domain.errors import Conflict, ErrorCode, InvalidRequest, NotFound
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.domain.states import OutputState
from server.services.changes import apply_changes, given
from server.services.ingest_urls import IngestUrlPolicy
from server.services.retry import retry_on_concurrent_change
from server.services.stream import STREAMING, StreamService, require_streamable
from server.services.stream_keys import StreamKeyVault
from server.services.studios import require_studio
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import Destination, Studio

DESTINATION_ID_PREFIX = "dest"
MAX_DESTINATIONS_PER_STUDIO = 25
# Platforms with one well-known ingest; every other platform needs an explicit rtmpUrl.
DEFAULT_INGEST_URLS = {
    "youtube": "rtmp://a.rtmp.youtube.com/live2",
    "twitch": "rtmp://live.twitch.tv/app",
    "facebook": "rtmps://live-api-s.facebook.com:443/rtmp",
}
_UNCHANGED = object()


class DestinationService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        urls: IngestUrlPolicy,
        stream: StreamService,
        stream_keys: StreamKeyVault,
    ):
        self._uow = unit_of_work
        self._urls = urls
        self._stream = stream
        self._stream_keys = stream_keys

    def list(self, account_id: str, studio_id: str, request: PageRequest) -> Page[Destination]:
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            rows = uow.destinations.page(account_id, studio_id, request)
        return page_from_rows(rows, request, lambda destination: destination.id)

    def get(self, account_id: str, studio_id: str, destination_id: str) -> Destination:
        with self._uow() as uow:
            return self._require(uow, account_id, studio_id, destination_id)[1]

    def create(
        self,
        account_id: str,
        studio_id: str,
        *,
        platform: str,
        name: str,
        rtmp_url: str | None = None,
        stream_key: str | None = None,
        enabled: bool = True,
        connection_id: str | None = None,
    ) -> Destination:
        """The ingest URL checked, then the row written under the studio's lock (the count and
        the insert are one step), then, on a streaming studio, its output started."""
        rtmp_url = self._ingest_url(account_id, platform, rtmp_url)
        with self._uow() as uow:
            studio = require_studio(uow, account_id, studio_id)
            self._reserve_a_place(uow, account_id, studio_id)
            self._check_connection(uow, account_id, platform, connection_id)
            destination = self._new_destination(
                account_id, studio_id, platform, name, rtmp_url, enabled, connection_id
            )
            self._stream_keys.set(destination, stream_key)
            streaming = studio.stream_state in STREAMING
            if streaming:
                require_streamable(destination)
            uow.destinations.add(destination)
            uow.commit()
        if streaming and enabled:
            self._stream.output_changed(account_id, studio_id, destination.id, restart=True)
            return self.get(account_id, studio_id, destination.id)
        return destination

    def _ingest_url(self, account_id: str, platform: str, rtmp_url: str | None) -> str:
        """The platform's own ingest when none is given; a given URL passes the outbound
        guard (public addresses only)."""
        if rtmp_url is None:
            if platform not in DEFAULT_INGEST_URLS:
                raise InvalidRequest(f"rtmpUrl is required for platform '{platform}'.")
            return DEFAULT_INGEST_URLS[platform]
        return self._urls.check(rtmp_url, caller=account_id)

    @staticmethod
    def _reserve_a_place(uow: UnitOfWork, account_id: str, studio_id: str) -> None:
        """Locks the studio, so concurrent creates count one after the other, then refuses
        the 26th destination."""
        uow.studios.lock(account_id, studio_id)
        if uow.destinations.count(account_id, studio_id) >= MAX_DESTINATIONS_PER_STUDIO:
            raise Conflict(
                ErrorCode.LIMIT_REACHED,
                f"A studio holds at most {MAX_DESTINATIONS_PER_STUDIO} destinations.",
            )

    @staticmethod
    def _new_destination(
        account_id: str,
        studio_id: str,
        platform: str,
        name: str,
        rtmp_url: str,
        enabled: bool,
        connection_id: str | None,
    ) -> Destination:
        now = utcnow()
        return Destination(
            id=new_id(DESTINATION_ID_PREFIX),
            account_id=account_id,
            studio_id=studio_id,
            platform=platform,
            name=name,
            rtmp_url=rtmp_url,
            enabled=enabled,
            connection_id=connection_id,
            output_state=OutputState.IDLE,
            created_at=now,
            updated_at=now,
        )

    @retry_on_concurrent_change
    def update(
        self,
        account_id: str,
        studio_id: str,
        destination_id: str,
        *,
        name: str | None = None,
        rtmp_url: str | None = None,
        stream_key: object = _UNCHANGED,
        enabled: bool | None = None,
        connection_id: object = _UNCHANGED,
    ) -> Destination:
        """`stream_key` and `connection_id` accept None to clear them; leave them out to keep."""
        if rtmp_url is not None:
            rtmp_url = self._urls.check(rtmp_url, caller=account_id)
        with self._uow() as uow:
            studio, destination = self._require(uow, account_id, studio_id, destination_id)
            require_version(destination.version)
            if isinstance(connection_id, str):  # neither left out nor cleared
                self._check_connection(uow, account_id, destination.platform, connection_id)
            was_enabled = destination.enabled
            changes = given(name=name, rtmp_url=rtmp_url, enabled=enabled)
            if connection_id is not _UNCHANGED:
                changes["connection_id"] = connection_id
            changed = apply_changes(destination, changes)
            # A sealed value differs on every seal: a key that is given counts as changed.
            if stream_key is not _UNCHANGED and (
                stream_key is not None or destination.has_stream_key
            ):
                self._stream_keys.set(destination, stream_key)  # type: ignore[arg-type]
                changed.add("stream_key")
            streaming = studio.stream_state in STREAMING
            if streaming:
                require_streamable(destination)
            if changed:
                destination.updated_at = utcnow()
                uow.commit()
        output_affected = changed & {"rtmp_url", "stream_key", "enabled"}
        if streaming and output_affected and (was_enabled or destination.enabled):
            restart = bool(changed & {"rtmp_url", "stream_key"})
            self._stream.output_changed(account_id, studio_id, destination_id, restart=restart)
            return self.get(account_id, studio_id, destination_id)
        return destination

    @retry_on_concurrent_change
    def delete(self, account_id: str, studio_id: str, destination_id: str) -> None:
        with self._uow() as uow:
            studio, destination = self._require(uow, account_id, studio_id, destination_id)
            require_version(destination.version)
            streaming = studio.stream_state in STREAMING
            uow.destinations.delete(destination)
            uow.commit()
        if streaming:
            self._stream.output_changed(account_id, studio_id, destination_id, restart=False)

    @staticmethod
    def _check_connection(
        uow: UnitOfWork, account_id: str, platform: str, connection_id: str | None
    ) -> None:
        if connection_id is None:
            return
        connection = uow.connections.get(account_id, connection_id)
        if connection is None or connection.platform != platform:
            raise InvalidRequest(
                f"connectionId must name a linked {platform} connection of this account."
            )

    @staticmethod
    def _require(
        uow: UnitOfWork, account_id: str, studio_id: str, destination_id: str
    ) -> tuple[Studio, Destination]:
        studio = require_studio(uow, account_id, studio_id)
        destination = uow.destinations.get(account_id, studio_id, destination_id)
        if destination is None:
            raise NotFound("No such destination.")
        return studio, destination
