from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.domain.errors import InvalidRequest
from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.domain.states import ChatDeliveryStatus
from server.handlers.shaping import Response, page_body, timestamp
from server.services.chat import MESSAGE_ID_PREFIX, ChatService, MessageView


def present_message(view: MessageView) -> dict[str, Any]:
    message = view.message
    return {
        "id": message.id,
        "studioId": message.studio_id,
        "direction": message.direction,
        "platform": message.platform,
        "author": {"name": message.author_name},
        "text": message.text,
        "createdAt": timestamp(message.created_at),
        "deliveries": [
            {
                "platform": delivery.platform,
                "connectionId": delivery.connection_id,
                "status": delivery.status,
                "reason": delivery.reason
                if delivery.status != ChatDeliveryStatus.ACCEPTED
                else None,
            }
            for delivery in view.deliveries
        ],
    }


def parse_since(since: str | None) -> datetime | None:
    if not since:
        return None
    try:
        parsed = datetime.fromisoformat(since)
    except ValueError as exc:
        raise InvalidRequest("since must be an RFC 3339 date-time.") from exc
    if parsed.tzinfo is None:
        raise InvalidRequest("since needs a time zone offset (for example Z).")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00:00+14:00 lies before year 1 in UTC
        raise InvalidRequest("since is out of range.") from exc


class ChatHandlers:
    def __init__(self, chat: ChatService) -> None:
        self._chat = chat

    def list_chat_messages(
        self,
        principal: Principal,
        studio_id: str,
        limit: int | None = None,
        cursor: str = "",
        since: str | None = None,
    ) -> Response:
        request = page_request(limit, cursor, MESSAGE_ID_PREFIX)
        page = self._chat.list(principal.account_id, studio_id, request, parse_since(since))
        return page_body(page, present_message), 200

    def send_chat_message(
        self, principal: Principal, studio_id: str, body: dict[str, Any]
    ) -> Response:
        view = self._chat.send(principal.account_id, studio_id, body["text"])
        return present_message(view), 201
