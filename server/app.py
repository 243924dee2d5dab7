"""The app factory: the spec, the middleware stack, the handlers and the error envelope."""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from connexion import AsyncApp, FlaskApp
from connexion.exceptions import ProblemException
from connexion.jsonifier import Jsonifier
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from server.config import Settings
from server.domain.errors import ApiError
from server.handlers.chat import ChatHandlers
from server.handlers.connections import ConnectionHandlers
from server.handlers.destinations import DestinationHandlers
from server.handlers.events import EventHandlers
from server.handlers.media import MediaHandlers
from server.handlers.meta import MetaHandlers
from server.handlers.sources import SourceHandlers
from server.handlers.stream import StreamHandlers
from server.handlers.studios import StudioHandlers
from server.handlers.webhooks import WebhookHandlers
from server.http import connexion_caches
from server.http.access import AccessMiddleware
from server.http.errors import ErrorHandlers
from server.http.overload import ConcurrencyLimitMiddleware
from server.http.paths import ExactPathMiddleware
from server.http.rate_limit import RateLimitHeadersMiddleware
from server.http.request_id import RequestIdMiddleware
from server.http.spec import OperationIndex, load_spec
from server.http.uploads import MediaUploadMiddleware
from server.observability.metrics import instruments
from server.observability.readiness import ReadinessMiddleware, database_check, redis_check
from server.observability.telemetry import RequestTelemetryMiddleware
from server.services.container import Services
from server.services.rate_limiter import RateLimiter, build_rate_limiter
from server.storage import migrate
from server.storage.media_store import LocalMediaStore
from server.web.app import create_web_app
from server.web.mount import WebPagesMiddleware


class HandlerResolver(Resolver):
    """Maps each operationId to the method of the same name on one of the handler objects."""

    def __init__(self, handler_objects: list[Any]):
        self._handlers: dict[str, Any] = {}
        for handler_object in handler_objects:
            for name in dir(handler_object):
                if not name.startswith("_") and callable(getattr(handler_object, name)):
                    if name in self._handlers:
                        raise ValueError(f"two handlers for operation {name}")
                    self._handlers[name] = getattr(handler_object, name)
        super().__init__(function_resolver=self._handlers.__getitem__)


def sample_process_gauges(services: Services, rate_limiter: RateLimiter) -> None:
    """This process's database pool and rate-limiter state, sampled after each request."""
    metrics = instruments()
    pool = services.engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is not None and hasattr(pool, "overflow"):
        metrics.db_pool_in_use.set(checked_out())
        metrics.db_pool_overflow.set(max(0, pool.overflow()))
    metrics.redis_fallback_active.set(1 if getattr(rate_limiter, "degraded", False) else 0)


APP_FLAVOURS = {"flask": FlaskApp, "async": AsyncApp}
# Build connexion's decorator chains and parameter validators once, not per request
# (server/http/connexion_caches.py). Only bench/variant_app.py turns them off, to measure them.
CONNEXION_CACHES = {"operations": True, "validators": True}


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    rate_limiter: RateLimiter | None = None,
    *,
    telemetry: bool = True,
) -> FlaskApp | AsyncApp:
    """`telemetry=False` leaves out the metrics and the request log line (only the benchmark
    does, to measure what they cost)."""
    settings = settings or Settings.from_env()
    connexion_caches.install(**CONNEXION_CACHES)
    instruments()  # before the first request: the metrics register once per process
    if settings.app_flavour not in APP_FLAVOURS:
        raise ValueError(
            f"unknown app flavour {settings.app_flavour!r}; use one of {sorted(APP_FLAVOURS)}"
        )
    services = services or Services.build(settings)
    rate_limiter = rate_limiter or build_rate_limiter(
        settings.rate_limit_burst,
        settings.rate_limit_per_second,
        settings.redis_url,
        settings.redis_prefix,
    )
    spec = load_spec()
    operations = OperationIndex(spec)
    errors = ErrorHandlers(operations)
    # The embedded media store's upload URLs (/uploads/…) are served in front of the JSON
    # stack: outside /v1, exempt from the JSON body limit, streamed to disk.
    uploads = []
    if isinstance(services.media.store, LocalMediaStore):
        services.media.store.remove_abandoned_part_files()  # left by a crash
        uploads.append(
            partial(
                MediaUploadMiddleware,
                media=services.media,
                store=services.media.store,
                write_enabled=settings.write_enabled,
                idle_timeout=settings.upload_idle_timeout_seconds,
                min_bytes_per_second=settings.upload_min_bytes_per_second,
            )
        )

    # The web pages (sign-in, the API keys screen) are a Flask app of their own, served in
    # front of the JSON stack in either flavour; /v1 never sees their cookies or CSRF.
    web_pages = partial(WebPagesMiddleware, web_app=create_web_app(settings, services))

    # Metrics and the request log line, just inside the request id so that they see every
    # answer, the server-error fallback's too (server/observability/telemetry.py).
    telemetry_layer = (
        [
            partial(
                RequestTelemetryMiddleware,
                operations=operations,
                sample_process_gauges=partial(sample_process_gauges, services, rate_limiter),
            )
        ]
        if telemetry
        else []
    )

    # The one line that picks the framework under the handlers (TRAX_APP_FLAVOUR).
    app_class = APP_FLAVOURS[settings.app_flavour]
    app = app_class(
        __name__,
        jsonifier=Jsonifier(json, separators=(",", ":")),
        middlewares=[
            RequestIdMiddleware,
            *telemetry_layer,
            partial(
                ReadinessMiddleware,
                database=database_check(services.engine, migrate.head_revision()),
                redis=redis_check(settings.redis_url) if settings.redis_url else None,
                deadline_seconds=settings.ready_timeout_seconds,
            ),
            RateLimitHeadersMiddleware,
            partial(ServerErrorMiddleware, handler=errors.unexpected),
            ExceptionMiddleware,
            partial(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests),
            partial(ExactPathMiddleware, exempt_prefix="/v1/ui/"),
            *uploads,
            web_pages,
            SwaggerUIMiddleware,
            RoutingMiddleware,
            partial(
                AccessMiddleware,
                operations=operations,
                api_keys=services.api_keys,
                rate_limiter=rate_limiter,
                write_enabled=settings.write_enabled,
                max_body_bytes=settings.max_body_bytes,
                body_timeout=settings.body_timeout_seconds,
            ),
            RequestValidationMiddleware,
            ResponseValidationMiddleware,
            LifespanMiddleware,
            ContextMiddleware,
        ],
    )
    app.add_api(
        spec,
        resolver=HandlerResolver(
            [
                MetaHandlers(settings, spec),
                StudioHandlers(services.studios),
                SourceHandlers(services.sources),
                DestinationHandlers(services.destinations),
                StreamHandlers(services.stream),
                ConnectionHandlers(services.connections),
                ChatHandlers(services.chat),
                MediaHandlers(services.media),
                EventHandlers(services.events),
                WebhookHandlers(services.webhooks),
            ]
        ),
        pythonic_params=True,
        strict_validation=True,
        validate_responses=settings.validate_responses,
        # /openapi.json is an operation of the contract itself (get_openapi_document).
        swagger_ui_options=SwaggerUIOptions(serve_spec=False, swagger_ui_path="/ui"),
    )
    app.add_error_handler(ApiError, errors.api_error)
    app.add_error_handler(ProblemException, errors.problem)
    app.add_error_handler(HTTPException, errors.http_exception)
    app.add_error_handler(SQLAlchemyError, errors.database_error)
    app.add_error_handler(Exception, errors.unexpected)
    logging.getLogger("trax").setLevel(logging.INFO)
    # connexion logs each validation failure with the offending value at INFO, which could
    # repeat a write-only field such as a stream key; our own error handlers log what matters.
    logging.getLogger("connexion").setLevel(logging.WARNING)
    return app
