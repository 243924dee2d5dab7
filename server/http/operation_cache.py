"""Builds connexion's per-operation decorator chain once per operation instead of on every
request (connexion 3.3; see spec-first/connexion#2045 on 3.x performance).

In connexion 3.3, `FlaskOperation.fn` and `AsyncOperation.fn` are properties: every request
makes a new FlaskDecorator / StarletteDecorator, and its wrapper then calls `decorate()`, which
builds the parameter decorator (inspecting the handler's signature) and the response decorator,
and builds a new URI parser from the operation. None of that depends on the request: the chain
depends only on the handler, `pythonic_params` and the jsonifier, and the URI parser only on
the operation (both fixed for one operation object). The request itself, and the body, are
still read on every call inside the wrappers, exactly as before.

`install()` swaps the two properties for ones that build the chain on first use and keep it on
the operation object. It checks the connexion version it was written against and does nothing
on another one (the server then runs connexion's own code path, only slower).
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from typing import Any

from connexion.apps.asynchronous import AsyncOperation
from connexion.apps.flask import FlaskOperation
from connexion.context import operation as current_operation
from connexion.context import receive as current_receive
from connexion.context import scope as current_scope
from connexion.decorators import FlaskDecorator, StarletteDecorator

SUPPORTED_CONNEXION = "3.3."
_installed = False


def _parser_for(decorator: Any):
    """The URI parser, built from the routed operation once per decorator (= per operation)."""
    parser = decorator.__dict__.get("_trax_uri_parser")
    if parser is None:
        uri_parser_class = decorator.uri_parser_class or current_operation.uri_parser_class
        parser = uri_parser_class(current_operation.parameters, current_operation.body_definition())
        decorator.__dict__["_trax_uri_parser"] = parser
    return parser


class _OnceFlaskDecorator(FlaskDecorator):
    def __call__(self, function):
        decorated = self.decorate(function)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return decorated(self.framework.get_request(uri_parser=_parser_for(self)))

        return wrapper


class _OnceStarletteDecorator(StarletteDecorator):
    def __call__(self, function):
        decorated = self.decorate(function)

        @functools.wraps(function)
        async def wrapper(*args, **kwargs):
            request = self.framework.get_request(
                uri_parser=_parser_for(self), scope=current_scope, receive=current_receive
            )
            return await decorated(request)

        return wrapper


def _cached_fn(decorator_class):
    def fn(self):
        built = self.__dict__.get("_trax_fn")
        if built is None:
            decorator = decorator_class(
                pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
            )
            built = self.__dict__["_trax_fn"] = decorator(self._fn)
        return built

    return property(fn)


def install() -> bool:
    """Idempotent; True when the cache is in place."""
    global _installed
    if _installed:
        return True
    if not version("connexion").startswith(SUPPORTED_CONNEXION):
        return False
    FlaskOperation.fn = _cached_fn(_OnceFlaskDecorator)
    AsyncOperation.fn = _cached_fn(_OnceStarletteDecorator)
    _installed = True
    return True
