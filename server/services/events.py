"""The events feed: every event of the account, kept 30 days, oldest first."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.domain.clock import Clock, utcnow
from server.domain.errors import InvalidRequest, NotFound
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.event_repositories import EVENT_ID_PREFIX
from server.storage.models import Event

RETENTION = timedelta(days=30)
# Every type the platform emits today (the set is open: more may be added within /v1).
EVENT_TYPES: tuple[str, ...] = (
    "stream.starting",
    "stream.live",
    "stream.stopping",
    "stream.offline",
    "stream.errored",
    "destination.status_changed",
    "chat.message",
    "chat.delivery_failed",
    "media.ready",
    "media.failed",
    "media.expired",
    "connection.unlinked",
    "webhook.disabled",
    "webhook.test",
)


def require_known_types(types: list[str], field: str) -> list[str]:
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidRequest(
            f"{field}: unknown event type {unknown[0]!r}; known types: {', '.join(EVENT_TYPES)}."
        )
    return list(dict.fromkeys(types))


class EventService:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock = utcnow) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def list(
        self,
        account_id: str,
        request: PageRequest,
        types: list[str] | None = None,
        since: datetime | None = None,
    ) -> Page[Event]:
        with self._uow() as uow:
            rows = uow.events.page(
                account_id, request, types or None, since, self._clock() - RETENTION
            )
        return page_from_rows(rows, request, lambda event: event.id)

    def get(self, account_id: str, event_id: str) -> Event:
        if not event_id.startswith(f"{EVENT_ID_PREFIX}_"):
            raise NotFound("No such event.")
        with self._uow() as uow:
            event = uow.events.get(account_id, event_id, self._clock() - RETENTION)
        if event is None:
            raise NotFound("No such event.")
        return event

    def purge(self, limit: int = 1000) -> int:
        """Deletes (at most `limit`) events past the 30-day retention, with their deliveries."""
        with self._uow() as uow:
            deleted = uow.events.purge(self._clock() - RETENTION, limit)
            uow.commit()
        return deleted
