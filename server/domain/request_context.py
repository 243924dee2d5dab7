"""The id of the request being served, for the logs and the events a request causes; set by
server/http/request_id.py, "-" outside a request."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
