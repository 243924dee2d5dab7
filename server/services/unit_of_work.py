"""One unit of work per request: a session, the repositories over it, and an explicit commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from server.storage.repositories import (
    AccountRepository,
    ApiKeyRepository,
    ChatRepository,
    ConnectionRepository,
    DestinationRepository,
    MediaAssetRepository,
    RelayLeaseRepository,
    SourceRepository,
    StudioRepository,
    StudioStreamRepository,
)


class UnitOfWork:
    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.accounts = AccountRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.studios = StudioRepository(self.session)
        self.stream = StudioStreamRepository(self.session)
        self.sources = SourceRepository(self.session)
        self.destinations = DestinationRepository(self.session)
        self.connections = ConnectionRepository(self.session)
        self.chat = ChatRepository(self.session)
        self.media = MediaAssetRepository(self.session)
        self.relay_leases = RelayLeaseRepository(self.session)
        return self

    def __exit__(self, *exc_info) -> None:
        # close() rolls back anything not committed explicitly (no half-done writes) and
        # detaches the loaded objects without expiring them, so callers can still read them.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


UnitOfWorkFactory = Callable[[], UnitOfWork]
