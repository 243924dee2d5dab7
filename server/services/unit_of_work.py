"""A unit of work: a session, the repositories over it, and an explicit commit. A service call
uses one or several (go-live commits before calling the engine and again after)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server.domain.clock import utcnow
from server.domain.conditional import precondition_given
from server.domain.errors import ConcurrentChange, IdempotencyInProgress, PreconditionFailed
from server.domain.idempotency import current_idempotency
from server.domain.request_context import current_request_id
from server.storage.event_repositories import (
    EventRepository,
    WebhookRepository,
    delivery_wakeups,
)
from server.storage.idempotency_repository import IdempotencyRepository
from server.storage.oauth_repositories import OAuthRepository
from server.storage.repositories import (
    AccountRepository,
    ApiKeyRepository,
    ChatRepository,
    ConnectionRepository,
    DestinationRepository,
    IngestNodeRepository,
    MediaAssetRepository,
    RelayLeaseRepository,
    SourceRepository,
    StudioRepository,
    StudioStreamRepository,
    UserRepository,
    UserSessionRepository,
)


def request_id_of_the_call() -> str | None:
    """The X-Request-Id of the API call this unit of work serves; None when the platform acts
    on its own (workers, the CLI)."""
    request_id = current_request_id.get()
    return None if request_id == "-" else request_id


class UnitOfWork:
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        # The events outbox: repositories queue events; commit writes them in the same
        # transaction as the change.
        self.events = EventRepository(self.session, request_id_of_the_call, utcnow)
        self.webhooks = WebhookRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.studios = StudioRepository(self.session)
        self.stream = StudioStreamRepository(self.session, self.events)
        self.sources = SourceRepository(self.session)
        self.destinations = DestinationRepository(self.session, self.events)
        self.connections = ConnectionRepository(self.session)
        self.chat = ChatRepository(self.session)
        self.media = MediaAssetRepository(self.session)
        self.users = UserRepository(self.session)
        self.user_sessions = UserSessionRepository(self.session)
        self.relay_leases = RelayLeaseRepository(self.session)
        self.ingest_nodes = IngestNodeRepository(self.session)
        self.idempotency = IdempotencyRepository(self.session)
        self.oauth = OAuthRepository(self.session)
        return self

    def __exit__(self, *exc_info: object) -> None:
        # close() rolls back anything not committed explicitly (no half-done writes) and
        # detaches the loaded objects without expiring them, so callers can still read them.
        self.session.close()

    def flush(self) -> None:
        """Sends the pending writes, so the queries of this unit of work see them (ids,
        constraints); nothing is committed."""
        with _versioned_writes():
            self.session.flush()

    def commit(self) -> None:
        """Writes the queued events and commits. Serving a POST with an Idempotency-Key, it
        also marks the key's record `applied` in this same transaction (the request's first
        commit; server/services/idempotency.py): the change and the record that forbids
        repeating it commit together or not at all."""
        from server.services.event_objects import render

        self.events.write_queued(render)
        binding = current_idempotency.get()
        if (
            binding is not None
            and not binding.applied
            and not self.idempotency.mark_applied(binding.record_id, binding.lock_token)
        ):
            # The reservation is no longer this request's (taken over): commit nothing.
            self.session.rollback()
            raise IdempotencyInProgress()
        with _versioned_writes():
            self.session.commit()
        if binding is not None:
            binding.applied = True
        if self.events.scheduled_deliveries:
            self.events.scheduled_deliveries = 0
            delivery_wakeups.wake()


class _versioned_writes:  # noqa: N801 (a context manager used like a function)
    """A versioned row (version_id_col) changed since this unit of work read it: 412 when the
    request said If-Match (its precondition no longer holds), else ConcurrentChange, which the
    service answers by running the call again (server/services/retry.py)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if isinstance(exc, StaleDataError):
            if precondition_given():
                raise PreconditionFailed() from exc
            raise ConcurrentChange(str(exc)) from exc


UnitOfWorkFactory = Callable[[], UnitOfWork]
