from __future__ import annotations

import json
from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.chat import parse_since
from server.handlers.shaping import Response, page_body
from server.services.events import EventService, require_known_types
from server.services.rows import EVENT_ID_PREFIX, Event


def present_event(event: Event) -> dict[str, Any]:
    """Stored exactly as delivered, so the feed and every webhook show the same bytes' worth."""
    body: dict[str, Any] = json.loads(event.body)
    return body


class EventHandlers:
    def __init__(self, events: EventService) -> None:
        self._events = events

    def list_events(
        self,
        principal: Principal,
        limit: int | None = None,
        cursor: str = "",
        type_: list[str] | None = None,
        since: str | None = None,
    ) -> Response:
        request = page_request(limit, cursor, EVENT_ID_PREFIX)
        types = require_known_types(type_, "type") if type_ else None
        page = self._events.list(principal.account_id, request, types, parse_since(since))
        return page_body(page, present_event), 200

    def get_event(self, principal: Principal, event_id: str) -> Response:
        return present_event(self._events.get(principal.account_id, event_id)), 200
