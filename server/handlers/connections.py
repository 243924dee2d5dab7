from __future__ import annotations

from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.shaping import Response, page_body, timestamp
from server.services.connections import CONNECTION_ID_PREFIX, ConnectionService
from server.services.rows import Connection


def present_connection(connection: Connection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "platform": connection.platform,
        "accountName": connection.handle,
        "status": connection.status,
        "linkedAt": timestamp(connection.linked_at),
    }


class ConnectionHandlers:
    def __init__(self, connections: ConnectionService) -> None:
        self._connections = connections

    def list_connections(
        self, principal: Principal, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, CONNECTION_ID_PREFIX)
        page = self._connections.list(principal.account_id, request)
        return page_body(page, present_connection), 200

    def delete_connection(self, principal: Principal, connection_id: str) -> Response:
        self._connections.unlink(principal.account_id, connection_id)
        return None, 204
