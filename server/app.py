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
from starlette.exceptions import HTTPException

from server.config import Settings
from server.domain.errors import ApiError
from server.handlers.meta import MetaHandlers
from server.handlers.studios import StudioHandlers
from server.http import connexion_caches
from server.http.access import AccessMiddleware
from server.http.body_limit import BodyLimitMiddleware
from server.http.errors import ErrorHandlers
from server.http.request_id import RequestIdMiddleware
from server.http.spec import OperationIndex, load_spec
from server.services.container import Services


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


APP_FLAVOURS = {"flask": FlaskApp, "async": AsyncApp}
# Build connexion's decorator chains and parameter validators once, not per request
# (server/http/connexion_caches.py). Only bench/variant_app.py turns them off, to measure them.
CONNEXION_CACHES = {"operations": True, "validators": True}


def create_app(
    settings: Settings | None = None, services: Services | None = None
) -> FlaskApp | AsyncApp:
    settings = settings or Settings.from_env()
    connexion_caches.install(**CONNEXION_CACHES)
    if settings.app_flavour not in APP_FLAVOURS:
        raise ValueError(
            f"unknown app flavour {settings.app_flavour!r}; use one of {sorted(APP_FLAVOURS)}"
        )
    services = services or Services.build(settings)
    spec = load_spec()
    operations = OperationIndex(spec)
    errors = ErrorHandlers(operations)

    # The one line that picks the framework under the handlers (TRAX_APP_FLAVOUR).
    app_class = APP_FLAVOURS[settings.app_flavour]
    app = app_class(
        __name__,
        jsonifier=Jsonifier(json, separators=(",", ":")),
        middlewares=[
            RequestIdMiddleware,
            partial(ServerErrorMiddleware, handler=errors.unexpected),
            ExceptionMiddleware,
            partial(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
            SwaggerUIMiddleware,
            RoutingMiddleware,
            partial(
                AccessMiddleware,
                operations=operations,
                api_keys=services.api_keys,
                write_enabled=settings.write_enabled,
            ),
            RequestValidationMiddleware,
            ResponseValidationMiddleware,
            LifespanMiddleware,
            ContextMiddleware,
        ],
    )
    app.add_api(
        spec,
        resolver=HandlerResolver([MetaHandlers(settings, spec), StudioHandlers(services.studios)]),
        pythonic_params=True,
        strict_validation=True,
        validate_responses=settings.validate_responses,
        # /openapi.json is an operation of the contract itself (get_openapi_document).
        swagger_ui_options=SwaggerUIOptions(serve_spec=False, swagger_ui_path="/ui"),
    )
    app.add_error_handler(ApiError, errors.api_error)
    app.add_error_handler(ProblemException, errors.problem)
    app.add_error_handler(HTTPException, errors.http_exception)
    app.add_error_handler(Exception, errors.unexpected)
    logging.getLogger("trax").setLevel(logging.INFO)
    return app
