"""The app factory: the spec, the middleware stack, the handlers and the error envelope.

`create_app` composes named steps; the services (the rate limiter among them) are built in one
place, `Services.build` (server/services/container.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio.to_thread
from connexion import AsyncApp
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

from server.adapters.rate_limiter import RateLimiter
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
from server.http import connexion_compat
from server.http.access import AccessMiddleware
from server.http.body_guard import BodyGuardMiddleware
from server.http.conditional import ConditionalRequestMiddleware
from server.http.errors import ErrorHandlers
from server.http.execution import WorkerThread, adapter_for, inline
from server.http.idempotency import IdempotencyMiddleware
from server.http.json_output import compact_jsonifier
from server.http.overload import ConcurrencyLimitMiddleware
from server.http.paths import ExactPathMiddleware
from server.http.rate_limit import RateLimitHeadersMiddleware
from server.http.read_retry import ReadRetryMiddleware
from server.http.request_id import RequestIdMiddleware
from server.http.spec import OperationIndex, load_spec
from server.http.uploads import MediaUploadMiddleware
from server.observability.metrics import instruments
from server.observability.readiness import ReadinessMiddleware, database_check, redis_check
from server.observability.telemetry import RequestTelemetryMiddleware
from server.services.container import Services
from server.services.credentials import CredentialService
from server.storage import migrate
from server.storage.media_store import LocalMediaStore
from server.web.app import create_web_app
from server.web.mount import WebPagesMiddleware


class HandlerResolver(Resolver):
    """Maps each operationId to the method of the same name on one of the handler objects,
    wrapped in the async adapter its HTTP method calls for (server/http/execution.py): reads
    inline (or one hop on PostgreSQL), writes on the one worker thread."""

    def __init__(
        self,
        handler_objects: list[Any],
        operations: OperationIndex,
        *,
        inline_reads: bool,
        worker: WorkerThread,
        readers: WorkerThread,
    ) -> None:
        self._handlers: dict[str, Any] = {}
        for handler_object in handler_objects:
            for name in dir(handler_object):
                if not name.startswith("_") and callable(getattr(handler_object, name)):
                    if name in self._handlers:
                        raise ValueError(f"two handlers for operation {name}")
                    policy = operations.by_id.get(name)
                    method = policy.method if policy is not None else "post"
                    self._handlers[name] = adapter_for(
                        method,
                        getattr(handler_object, name),
                        inline_reads=inline_reads,
                        worker=worker,
                        readers=readers,
                    )
        super().__init__(function_resolver=self._handlers.__getitem__)


class ProcessGauges:
    """This process's database pool and rate-limiter state, sampled after each request. A
    gauge is written only when its value moved: a write takes the metric's lock (and in
    multiprocess mode writes the process's file), and most requests change nothing."""

    def __init__(self, services: Services, rate_limiter: RateLimiter) -> None:
        self._pool = services.engine.pool
        self._rate_limiter = rate_limiter
        self._written: list[int | None] = [None, None, None]

    def sample(self) -> None:
        pool: Any = self._pool
        in_use = overflow = None
        if hasattr(pool, "checkedout") and hasattr(pool, "overflow"):  # a QueuePool
            in_use, overflow = pool.checkedout(), max(0, pool.overflow())
        values = (in_use, overflow, 1 if getattr(self._rate_limiter, "degraded", False) else 0)
        metrics = instruments()
        gauges = (metrics.db_pool_in_use, metrics.db_pool_overflow, metrics.redis_fallback_active)
        for index, (gauge, value) in enumerate(zip(gauges, values, strict=True)):
            if value is not None and value != self._written[index]:
                gauge.set(value)
                self._written[index] = value


# The response encoding: compact JSON (server/http/json_output.py: orjson, else the stdlib).
COMPACT_JSON = compact_jsonifier()


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    rate_limiter: RateLimiter | None = None,
    *,
    connexion_caches: frozenset[str] = connexion_compat.CACHES,
    jsonifier: Jsonifier = COMPACT_JSON,
    telemetry: bool = True,
    inline_reads: bool | None = None,
    inline_errors: bool = True,
) -> AsyncApp:
    """`connexion_caches`, `jsonifier`, `telemetry` (the metrics and the request log line),
    `inline_reads` (None: inline on SQLite, one hop to the reader threads on PostgreSQL; False:
    every handler in a thread) and `inline_errors` (False: the error handlers in a thread) are
    levers the benchmark moves (bench/variant_app.py); production runs with the defaults."""
    settings = settings or Settings.from_env()
    connexion_compat.install_caches(connexion_caches)
    instruments()  # before the first request: the metrics register once per process
    services = services or Services.build(settings)
    spec = load_spec()
    operations = OperationIndex(spec)
    errors = ErrorHandlers(operations)
    worker = WorkerThread()
    readers = WorkerThread(settings.read_threads, "trax-read")
    limiter = rate_limiter or services.rate_limiter
    app = AsyncApp(
        __name__,
        jsonifier=jsonifier,
        lifespan=_lifespan(limiter, worker, readers),
        middlewares=middleware_stack(
            settings,
            services,
            operations,
            errors,
            limiter,
            worker,
            telemetry=telemetry,
        ),
    )
    app.add_api(
        spec,
        resolver=HandlerResolver(
            _handlers(settings, services, spec),
            operations,
            inline_reads=(
                services.engine.dialect.name == "sqlite" if inline_reads is None else inline_reads
            ),
            worker=worker,
            readers=readers,
        ),
        pythonic_params=True,
        strict_validation=True,
        validate_responses=settings.validate_responses,
        # /openapi.json is an operation of the contract itself (get_openapi_document).
        swagger_ui_options=SwaggerUIOptions(serve_spec=False, swagger_ui_path="/ui"),
    )
    _add_error_handlers(app, errors, inline_errors=inline_errors)
    _configure_logging()
    return app


def _lifespan(rate_limiter: RateLimiter, *threads: WorkerThread) -> Callable[[Any], Any]:
    """The limiter's event-loop resources (Redis's asyncio client) live as long as the app's
    lifespan, on its loop; at its end the worker and reader threads finish what is queued."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await rate_limiter.open_async()
        try:
            yield
        finally:
            try:
                await rate_limiter.close_async()
            finally:
                for pool in threads:
                    await anyio.to_thread.run_sync(pool.close)

    return lifespan


def middleware_stack(
    settings: Settings,
    services: Services,
    operations: OperationIndex,
    errors: ErrorHandlers,
    rate_limiter: RateLimiter,
    worker: WorkerThread | None = None,
    *,
    telemetry: bool = True,
) -> list[Any]:
    """connexion's default stack (ConnexionMiddleware.default_middlewares) with the swaps and
    additions server/http/connexion_compat.py documents; tests/e2e/test_connexion_compat.py holds
    the two side by side. Outermost first."""
    worker = worker or WorkerThread()
    return [
        # Every response, errors included, carries X-Request-Id.
        RequestIdMiddleware,
        # Metrics and the request log line, just inside the request id so that they see every
        # answer, the server-error fallback's too (server/observability/telemetry.py).
        *_telemetry_middleware(services, operations, rate_limiter, enabled=telemetry),
        # /readyz: the database (at the migrations' head) and Redis answer within the deadline.
        partial(
            ReadinessMiddleware,
            database=database_check(services.engine, migrate.head_revision()),
            redis=redis_check(settings.redis_url) if settings.redis_url else None,
            deadline_seconds=settings.ready_timeout_seconds,
        ),
        # X-RateLimit-* headers on every response of a request that had a key.
        RateLimitHeadersMiddleware,
        # Unhandled exceptions leave in our envelope, not connexion's problem+json.
        partial(ServerErrorMiddleware, handler=inline(errors.unexpected)),
        ExceptionMiddleware,
        # 503 with Retry-After past the in-flight limit, before any work is done.
        partial(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests),
        # No trailing-slash or case-folded matches of a path (Starlette would redirect).
        partial(ExactPathMiddleware, exempt_prefix="/v1/ui/"),
        # The embedded store's upload URLs: outside /v1, streamed to disk.
        *_upload_middleware(settings, services),
        # The web pages (sign-in, API keys screen): a Flask app of their own, no /v1 cookies.
        partial(WebPagesMiddleware, web_app=create_web_app(settings, services)),
        SwaggerUIMiddleware,
        RoutingMiddleware,
        # Instead of connexion's SecurityMiddleware: 401, 429, 403 and 503 (write flag).
        partial(
            AccessMiddleware,
            operations=operations,
            api_keys=CredentialService(services.api_keys, services.oauth),
            rate_limiter=rate_limiter,
            write_enabled=settings.write_enabled,
            worker=worker,
        ),
        # 400/413/408/415 for what schema validation does not check safely.
        partial(
            BodyGuardMiddleware,
            operations=operations,
            max_body_bytes=settings.max_body_bytes,
            body_timeout=settings.body_timeout_seconds,
        ),
        # If-Match to the services, If-None-Match to 304 (server/http/conditional.py).
        ConditionalRequestMiddleware,
        # A read whose database connection was lost runs once more.
        ReadRetryMiddleware,
        RequestValidationMiddleware,
        # Idempotency-Key on POST: after the access policy, the body guard and the schema
        # validation, so a refused request is never stored and never answered by a replay;
        # replays answer from here (server/http/idempotency.py).
        partial(IdempotencyMiddleware, idempotency=services.idempotency, worker=worker),
        ResponseValidationMiddleware,
        LifespanMiddleware,
        ContextMiddleware,
    ]


def _telemetry_middleware(
    services: Services, operations: OperationIndex, rate_limiter: RateLimiter, *, enabled: bool
) -> list[Any]:
    if not enabled:
        return []
    return [
        partial(
            RequestTelemetryMiddleware,
            operations=operations,
            sample_process_gauges=ProcessGauges(services, rate_limiter).sample,
        )
    ]


def _upload_middleware(settings: Settings, services: Services) -> list[Any]:
    """The embedded media store's upload URLs (/uploads/…), served in front of the JSON stack:
    outside /v1, exempt from the JSON body limit, streamed to disk. None for S3 (presigned)."""
    store = services.media.store
    if not isinstance(store, LocalMediaStore):
        return []
    store.remove_abandoned_part_files()  # left by a crash
    return [
        partial(
            MediaUploadMiddleware,
            media=services.media,
            store=store,
            write_enabled=settings.write_enabled,
            idle_timeout=settings.upload_idle_timeout_seconds,
            min_bytes_per_second=settings.upload_min_bytes_per_second,
        )
    ]


def _handlers(settings: Settings, services: Services, spec: dict[str, Any]) -> list[Any]:
    return [
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


def _add_error_handlers(app: AsyncApp, errors: ErrorHandlers, *, inline_errors: bool) -> None:
    """Every error leaves in the one envelope (server/http/errors.py), most specific first.
    connexion runs a plain (sync) error handler in Starlette's thread pool, a thread hop on
    every 4xx; ours do no I/O, so they run inline on the event loop (async adapters)."""
    adapt = inline if inline_errors else (lambda handler: handler)
    app.add_error_handler(ApiError, adapt(errors.api_error))
    app.add_error_handler(ProblemException, adapt(errors.problem))
    app.add_error_handler(HTTPException, adapt(errors.http_exception))
    app.add_error_handler(SQLAlchemyError, adapt(errors.database_error))
    app.add_error_handler(Exception, adapt(errors.unexpected))


def _configure_logging() -> None:
    logging.getLogger("trax").setLevel(logging.INFO)
    # connexion logs each validation failure with the offending value at INFO, which could
    # repeat a write-only field such as a stream key; our own error handlers log what matters.
    logging.getLogger("connexion").setLevel(logging.WARNING)
