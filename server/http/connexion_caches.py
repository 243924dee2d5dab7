"""Work connexion 3.3 redoes on every request that depends only on the spec, done once instead
(see spec-first/connexion#2045 on 3.x performance). Two caches, each a lever of its own:

**Operations.** In connexion 3.3, `FlaskOperation.fn` and `AsyncOperation.fn` are properties:
every request makes a new FlaskDecorator / StarletteDecorator, and its wrapper then calls
`decorate()`, which builds the parameter decorator (inspecting the handler's signature) and the
response decorator, and builds a new URI parser from the operation. None of that depends on
the request: the chain depends only on the handler, `pythonic_params` and the jsonifier, and
the URI parser only on the operation (both fixed for one operation object). The request
itself, and the body, are still read on every call inside the wrappers, exactly as before.

`install()` swaps the two properties for ones that build the chain on first use and keep it on
the operation object.

**Parameter validators.** `ParameterValidator.validate_parameter` deep-copies the parameter's
spec and builds a new jsonschema `Draft4Validator` (with its reference registry) for every
parameter of every request. The validator is a pure function of the parameter's schema, which
the app never changes: it is built once per parameter and reused. Every value is still
validated, with the same validator class, format checker and error messages.

`install()` checks the connexion version this was written against and does nothing on another
one (the server then runs connexion's own code path, only slower); a test fails when that
happens so the upgrade is noticed.
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
from connexion.utils import is_null, is_nullable
from connexion.validators import parameter as parameter_validation
from jsonschema import Draft4Validator, ValidationError

SUPPORTED_CONNEXION = "3.3."
_installed: set[str] = set()


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


# Parameter spec dicts are owned by the app's validators for its whole life; the dict itself is
# kept next to its validator so a reused id() can never pick up another parameter's validator.
_validators: dict[int, tuple[dict, Draft4Validator]] = {}


def _validator_for(param: dict) -> Draft4Validator:
    cached = _validators.get(id(param))
    if cached is None or cached[0] is not param:
        validator = Draft4Validator(
            param.get("schema", param), format_checker=parameter_validation.draft4_format_checker
        )
        cached = _validators[id(param)] = (param, validator)
    return cached[1]


def _validate_parameter(parameter_type, value, param, param_name=None):
    """connexion 3.3's `ParameterValidator.validate_parameter`, with the validator reused."""
    if is_nullable(param) and is_null(value):
        return None
    if value is not None:
        try:
            _validator_for(param).validate(value)
        except ValidationError as exception:
            return str(exception)
    elif param.get("required"):
        return f"Missing {parameter_type} parameter '{param['name']}'"
    return None


def supported() -> bool:
    return version("connexion").startswith(SUPPORTED_CONNEXION)


def install(operations: bool = True, validators: bool = True) -> set[str]:
    """Idempotent; returns the caches in place."""
    if not supported():
        return set(_installed)
    if operations and "operations" not in _installed:
        FlaskOperation.fn = _cached_fn(_OnceFlaskDecorator)
        AsyncOperation.fn = _cached_fn(_OnceStarletteDecorator)
        _installed.add("operations")
    if validators and "validators" not in _installed:
        parameter_validation.ParameterValidator.validate_parameter = staticmethod(
            _validate_parameter
        )
        _installed.add("validators")
    return set(_installed)
