from __future__ import annotations

from server.domain.clock import utcnow
from server.domain.conditional import require_version
from server.domain.errors import NotFound
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.services.retry import retry_on_concurrent_change
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import Connection

CONNECTION_ID_PREFIX = "conn"
LINKABLE_PLATFORMS = ("youtube", "twitch", "facebook", "linkedin", "kick")


class ConnectionService:
    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._uow = unit_of_work

    def list(self, account_id: str, request: PageRequest) -> Page[Connection]:
        with self._uow() as uow:
            rows = uow.connections.page(account_id, request)
        return page_from_rows(rows, request, lambda connection: connection.id)

    def link(self, account_id: str, platform: str, handle: str) -> Connection:
        """The operator path: linking itself happens in the web studio through OAuth."""
        if platform not in LINKABLE_PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(LINKABLE_PLATFORMS)}")
        handle = handle.strip()
        if not handle or len(handle) > 100:
            raise ValueError("a handle is 1 to 100 characters")
        connection = Connection(
            id=new_id(CONNECTION_ID_PREFIX),
            account_id=account_id,
            platform=platform,
            handle=handle,
            status="active",
            linked_at=utcnow(),
        )
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise LookupError(f"no account {account_id}")
            uow.connections.add(connection)
            uow.commit()
        return connection

    @retry_on_concurrent_change
    def unlink(self, account_id: str, connection_id: str) -> None:
        with self._uow() as uow:
            connection = uow.connections.get(account_id, connection_id)
            if connection is None:
                raise NotFound("No such connection.")
            require_version(connection.version)
            # Rendered now: the connection is gone when the transaction commits.
            from server.handlers.connections import present_connection

            uow.events.queue(
                "connection.unlinked", ("literal", account_id, present_connection(connection))
            )
            uow.connections.unlink(connection, utcnow())
            uow.commit()
