"""Per request: the metrics (count by status class and error code, latency, rate-limit
refusals) and the one log line, in one ASGI middleware that sits just inside the request id.

It learns the operation from the spec (OperationIndex: method + path → operationId and route
template), the caller from the access check (`note_caller`, called by AccessMiddleware once a
key is accepted) and the error code from the envelope of an error response."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.principal import Principal
from server.http.connexion_compat import routed_operation_id
from server.http.spec import OperationIndex, has_control_character
from server.observability.metrics import instruments

request_logger = logging.getLogger("trax.request")

API_PREFIX = "/v1/"
# Requests that are not operations of the contract, each one label value (bounded cardinality).
OTHER_ROUTES = (("/uploads/", "media_upload"), ("/readyz", "readiness"))
UNMATCHED = "unmatched"
WEB_PAGE = "web_page"
# An error envelope is a few hundred bytes; a longer body is not parsed for its code.
ERROR_BODY_LIMIT = 8192
RATE_LIMITED = "rate_limited"
# Label sets whose metric series are kept at hand (operations x methods x classes x codes).
CHILDREN_KEPT = 4096


@dataclass
class RequestFacts:
    key_id: str | None = None
    account_id: str | None = None


_current_facts: ContextVar[RequestFacts | None] = ContextVar("trax_request_facts", default=None)


def note_caller(principal: Principal) -> None:
    facts = _current_facts.get()
    if facts is not None:
        facts.key_id, facts.account_id = principal.key_id, principal.account_id


def label_route(operations: OperationIndex, method: str, path: str) -> tuple[str, str]:
    """(operation label, route template) of a request path."""
    if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
        policy = operations.find(method, path)
        if policy is None:
            return UNMATCHED, UNMATCHED
        return policy.operation_id, operations.base_path + policy.path
    for prefix, label in OTHER_ROUTES:
        if path.startswith(prefix):
            return label, prefix.rstrip("/") + ("/{token}" if prefix.endswith("/") else "")
    return WEB_PAGE, WEB_PAGE


def error_code_of(status: int, body: bytes) -> str:
    if status < 400:
        return ""
    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "none"


class RequestTelemetryMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: OperationIndex,
        sample_process_gauges: Callable[[], None] = lambda: None,
    ):
        self.app = app
        self.operations = operations
        self.sample_process_gauges = sample_process_gauges
        self._kept: dict[tuple[str, str, str, str, bool], tuple[Any, Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        facts = RequestFacts()
        token = _current_facts.set(facts)
        status = 500
        error_body = bytearray()

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif (
                message["type"] == "http.response.body"
                and status >= 400
                and len(error_body) < ERROR_BODY_LIMIT
            ):
                error_body.extend(message.get("body", b"")[:ERROR_BODY_LIMIT])
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            _current_facts.reset(token)
            self._record(scope, status, bytes(error_body), facts, time.perf_counter() - started)

    def _children(
        self, operation: str, method: str, status_class: str, code: str, refused: bool
    ) -> tuple[Any, Any, Any]:
        """The labelled series a request counts in, looked up once per label set (prometheus'
        `labels()` checks and locks on every call); at most CHILDREN_KEPT label sets are kept,
        since the method is the client's."""
        key = (operation, method, status_class, code, refused)
        children = self._kept.get(key)
        if children is None:
            metrics = instruments()
            children = (
                metrics.http_requests.labels(operation, method, status_class, code),
                metrics.http_request_duration.labels(operation),
                metrics.rate_limit_refusals.labels(operation) if refused else None,
            )
            if len(self._kept) < CHILDREN_KEPT:
                self._kept[key] = children
        return children

    def _label(self, scope: Scope, method: str) -> tuple[str, str]:
        """The operation connexion routed the request to, when it did (no second match of the
        path against every route); else label_route's answer."""
        operation_id = routed_operation_id(scope)
        policy = self.operations.by_id.get(operation_id) if operation_id else None
        if (
            policy is not None
            and policy.method == method.lower()
            and not has_control_character(scope["path"])
        ):
            return policy.operation_id, self.operations.base_path + policy.path
        return label_route(self.operations, method, scope["path"])

    def _record(
        self, scope: Scope, status: int, body: bytes, facts: RequestFacts, seconds: float
    ) -> None:
        method = scope["method"]
        operation, route = self._label(scope, method)
        code = error_code_of(status, body)
        counted, timed, refused = self._children(
            operation, method, f"{status // 100}xx", code, status == 429 and code == RATE_LIMITED
        )
        counted.inc()
        timed.observe(seconds)
        if refused is not None:
            refused.inc()
        self.sample_process_gauges()
        if request_logger.isEnabledFor(logging.INFO):
            # Made directly: the line names its own fields, so the caller's frame, file and
            # line (Logger.findCaller's walk of the stack) are not looked up for each request.
            request_logger.handle(
                request_logger.makeRecord(
                    request_logger.name,
                    logging.INFO,
                    __file__,
                    0,
                    "%s %s %s %s %.1fms",
                    (method, route, status, code or "-", seconds * 1000),
                    None,
                    extra={
                        "operation": operation,
                        "method": method,
                        "route": route,
                        "status": status,
                        "error_code": code or None,
                        "duration_ms": round(seconds * 1000, 3),
                        "key_id": facts.key_id,
                        "account_id": facts.account_id,
                    },
                )
            )
