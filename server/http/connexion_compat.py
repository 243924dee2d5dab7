"""Everything this server takes from connexion beyond its documented API, in one place.

connexion is pinned exactly (pyproject.toml, requirements.lock) and `require_pinned_connexion()`
refuses to build the app on any other version: each coupling below was checked against that
version's source, and an upgrade starts by re-checking them here (tests/e2e/test_connexion_compat.py
fails on each one that moved). The couplings:

1. **The middleware stack.** `create_app` passes connexion a stack of its own, so it restates
   `ConnexionMiddleware.default_middlewares` with documented swaps (`SWAPPED`: our access
   policy instead of SecurityMiddleware) and our own middlewares in between. The test compares
   the two, so a middleware connexion adds or reorders shows up in one failing test.
2. **The scope keys.** The routing result is read from `scope["extensions"][ROUTING_CONTEXT]`
   (imported from connexion), and the principal is handed to handlers through
   `scope["extensions"][HANDLER_CONTEXT]`, the dict connexion's request and ContextMiddleware
   read the handler's `context` from (connexion spells that key as a literal, not a constant).
3. **The operation cache.** In connexion 3.3, `AsyncOperation.fn` is a property: every
   request makes a new StarletteDecorator, and its wrapper
   then calls `decorate()`, which builds the parameter decorator (inspecting the handler's
   signature) and the response decorator, and builds a new URI parser from the operation. None
   of that depends on the request: the chain depends only on the handler, `pythonic_params` and
   the jsonifier, and the URI parser only on the operation (both fixed for one operation
   object). The request itself, and the body, are still read on every call inside the
   wrappers, exactly as before. `install_caches()` swaps the property for one that build
   the chain on first use and keep it on the operation object (see spec-first/connexion#2045 on
   3.x performance). (The server runs on AsyncApp only; FlaskApp's flavour is retired.)
4. **The parameter-validator cache.** `ParameterValidator.validate_parameter` deep-copies the
   parameter's spec and builds a new jsonschema `Draft4Validator` (with its reference
   registry) for every parameter of every request. The validator is a pure function of the
   parameter's schema, which the app never changes: it is built once per parameter and reused.
   Every value is still validated, with the same validator class, format checker and messages;
   a simple schema (a bounded string or integer, `quick_check`) first gets a check that only
   ever says "valid" where jsonschema would, and jsonschema decides (and words) the rest.
   The same holds for request bodies: `JSONRequestBodyValidator._validator` builds a
   `Draft4RequestValidator` of the operation's body schema per request (a tenth of a create's
   CPU); it is built once per schema. Validating a create's body with it still cost another
   tenth, so `_validate` first runs the body's quick check (an object of such properties,
   `required`, `additionalProperties: false`, string enums, arrays, `nullable`), under the
   same only-ever-"valid" rule; every body of the spec has one, and a property test holds each
   against connexion's validator.
5. **Parameter names.** `connexion.decorators.parameter.pythonic` (and `sanitized`) run three
   regular expressions per parameter name per request; they are pure functions of the name,
   memoised (`names`).
6. **Swagger UI's router.** `SwaggerUIMiddleware` runs every request through a Starlette router
   of its own only to find that it is not a Swagger UI path. With `swagger_ui_path` it is
   dispatched only for paths under the UI it mounted (`<base path>/ui`); every other request
   goes straight on, as its router's default would send it.
7. **Bodiless operations.** connexion's `AsyncParameterDecorator` parses the request as a form
   on every request (`await request.files()`, Starlette's form parser) and looks for a body
   argument, also for operations the spec gives no request body. For those (`bodiless`), the
   handler's arguments cannot come from a body or a file (connexion's `_get_body_argument`
   returns nothing without a request body, and our handlers take no `**kwargs`), so the body
   and the form are not read; path, query and context arguments are prepared as before.
8. **The content type lookup.** `connexion.utils.extract_content_type`, called two or three
   times per request, evaluates a `typing.Collection[...]` expression on every call (a typing
   cache lookup, a tenth of a get's connexion time). `content_type` swaps it for the same
   lookup without it: the first `content-type` header, names compared case-insensitively,
   bytes decoded as latin-1, None without one.
9. **The text of validation errors.** connexion's 400 detail is jsonschema's message, a blank
   line, then a dump of the schema; the message ends in ` - 'path.to.field'` for body errors.
   `validation_sentence` keeps the first part; `validation_error_path` reads the path (the
   error envelope uses it to withhold messages that would repeat a write-only field).
10. **The parameter plan.** connexion reads the parameters twice per request: its request
   validation builds a URI parser and a `ConnexionRequest`, resolves and coerces the path and
   query values and validates each; then the parameter decorator builds another request,
   resolves and coerces them again, merges the spec's query defaults (a deep copy) and
   prepares the handler's arguments. `parameter_plan` does both in one pass, from a
   `ParameterPlan` built once per operation: the same parsing (Starlette's `parse_qsl`, the
   first header of a name), the same coercion (`int()` for integers), the same validators
   (coupling 4), the same defaults and pythonic names; the decorator then takes the prepared
   arguments, with the body argument (connexion's `_get_body_argument`; a JSON body has no
   form to parse) and the context ones.
   connexion's request validation still runs as it is, its `ParameterValidator.validate`
   skipping a request the plan read (the scope says so): the content type and the body are
   validated by connexion's code. Only what is
   plainly valid takes the plan: an operation with a parameter that is not a string or
   integer in the path, the query or a header (arrays, nullable, styles, cookies) or a body
   that is not JSON, and a request with an unknown, repeated or missing query parameter or a
   value that does not convert or validate, go through connexion's own code, which also
   words the error. The test suite has connexion read every planned request as well
   (tests/support/plan_shadow.py) and fails where the two disagree.
11. **Body definitions.** `OpenAPIOperation.body_definition(content_type)` looks the content
   type up in a `MediaTypeDict` (fnmatch over the sorted media types) and merges the spec's
   components, up to six times per request; it depends only on the operation and the content
   type, and is kept per operation (`body_definition`, a few content types each).
12. **The body, parsed once.** connexion parses a JSON body twice after the body guard did
   (server/http/body_guard.py): its request validation reads the body back through `receive`
   and parses it to validate it, and the parameter decorator reads it again through Starlette's
   `Request.json()` for the handler's argument; on the way its validation builds two URI
   parsers, a parameter validator, a `MediaTypeDict` for the accepted content types and a body
   validator per request (fnmatch over media types for both lookups). For a request the
   parameter plan read (`parsed_body`), the body's validation takes the document the body guard
   parsed (`JSON_DOCUMENT_EXTENSION`) when it is what connexion would parse: a body with a
   non-zero Content-Length, decoded as UTF-8, for connexion's own `JSONRequestBodyValidator`.
   The content type is checked by connexion's `validate_mime_type` (a type it accepted once is
   remembered per operation), the body by the same validator class built with the same
   arguments (kept per operation and content type: none of them depend on the request), in
   the same order with the same errors. Anything else (no Content-Length, another charset, a
   body connexion would leave unvalidated, a form) goes through connexion's code. The handler's
   body argument is that same document where connexion would hand it Starlette's parse of the
   same bytes (which the body guard's parse equals: the body is UTF-8 JSON). The test suite has
   connexion's validation judge every such request as well (tests/support/plan_shadow.py).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, cast
from urllib.parse import parse_qsl

from connexion import utils as connexion_utils
from connexion.apps.asynchronous import AsyncOperation
from connexion.context import context as current_context
from connexion.context import operation as current_operation
from connexion.context import receive as current_receive
from connexion.context import scope as current_scope
from connexion.decorators import StarletteDecorator
from connexion.decorators import parameter as parameter_decoration
from connexion.decorators.parameter import CONTEXT_NAME
from connexion.json_schema import Draft4RequestValidator
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import OpenAPIOperation
from connexion.utils import is_json_mimetype, is_null, is_nullable
from connexion.validators import json as json_validation
from connexion.validators import parameter as parameter_validation
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Receive, Scope, Send

from server.http.body_limit import JSON_DOCUMENT_EXTENSION
from server.http.json_input import names_utf8

# The exact version every coupling above was checked against (the pin in pyproject.toml).
CONNEXION_VERSION = "3.3.0"
# The dict connexion's ConnexionRequest.context and ContextMiddleware read handler arguments
# from; a literal in connexion's lifecycle.py and middleware/context.py.
HANDLER_CONTEXT = "connexion_context"
# connexion's default middleware -> what takes its place in our stack, and why.
SWAPPED: dict[type, str] = {
    SecurityMiddleware: "server.http.access.AccessMiddleware",  # scopes per operation, our 401/403
}
DEFAULT_MIDDLEWARES: tuple[type, ...] = tuple(ConnexionMiddleware.default_middlewares)
CACHES = frozenset(
    {
        "operations",
        "validators",
        "names",
        "swagger_ui_path",
        "bodiless",
        "content_type",
        "parameter_plan",
        "body_definition",
        "parsed_body",
    }
)
# Where the parameter plan leaves a request's prepared arguments for the parameter decorator.
PLANNED_ARGUMENTS = "trax_planned_arguments"
_MAX_MESSAGE = 300
_installed: set[str] = set()


def _parser_for(decorator: Any) -> Any:
    """The URI parser, built from the routed operation once per decorator (= per operation)."""
    parser = decorator.__dict__.get("_trax_uri_parser")
    if parser is None:
        uri_parser_class = decorator.uri_parser_class or current_operation.uri_parser_class
        parser = uri_parser_class(current_operation.parameters, current_operation.body_definition())
        decorator.__dict__["_trax_uri_parser"] = parser
    return parser


class _OnceStarletteDecorator(StarletteDecorator):  # type: ignore[misc]
    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        decorated = self.decorate(function)

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = self.framework.get_request(
                uri_parser=_parser_for(self), scope=current_scope, receive=current_receive
            )
            return await decorated(request)

        return wrapper


def _cached_fn(decorator_class: type[Any]) -> property:
    def fn(self: Any) -> Any:
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
_validators: dict[int, tuple[dict[str, Any], Any]] = {}


def _validator_for(param: dict[str, Any]) -> Any:
    return _cached_parameter_check(param)[1]


def _cached_parameter_check(param: dict[str, Any]) -> tuple[Callable[[Any], bool] | None, Any]:
    """(the quick check of the parameter's schema or None, its Draft4Validator)."""
    cached = _validators.get(id(param))
    if cached is None or cached[0] is not param:
        schema = param.get("schema", param)
        validator = Draft4Validator(
            schema, format_checker=parameter_validation.draft4_format_checker
        )
        cached = _validators[id(param)] = (param, (quick_check(schema), validator))
    return cast(tuple[Callable[[Any], bool] | None, Any], cached[1])


# What a quick check understands of each type besides annotations (description, example,
# title, default, writeOnly and `x-` extensions, which no draft-4 validator checks); any other
# keyword (exclusiveMinimum, oneOf, uniqueItems, patternProperties...) leaves the decision to
# jsonschema alone.
_QUICK_KEYWORDS = {
    "string": frozenset({"type", "minLength", "maxLength", "pattern", "format", "enum"}),
    "integer": frozenset({"type", "minimum", "maximum", "format"}),
    "boolean": frozenset({"type"}),
    "object": frozenset({"type", "properties", "required", "additionalProperties"}),
    "array": frozenset({"type", "items", "minItems", "maxItems"}),
}
_ANNOTATIONS = frozenset({"description", "example", "title", "default", "writeOnly"})

QuickCheck = Callable[[Any], bool]


def quick_check(schema: Any, *, body: bool = False) -> QuickCheck | None:
    """For the simple schemas parameters and request bodies have, a check that answers True
    only for values jsonschema finds nothing wrong with, in a tenth of its time or less:
    jsonschema's own rules (a str's length in code points, `re.search` for the pattern, bounds
    inclusive, an integer is never a bool, a format the draft-4 format checker does not know
    checks nothing, `additionalProperties: false` against the listed properties only). With
    `body`, the rules are those of connexion's Draft4RequestValidator for request bodies:
    `nullable` lets null through. Anything it does not answer True for is validated by
    jsonschema as before, which also writes the message. None: no quick check."""
    if not isinstance(schema, dict) or not isinstance(schema.get("type"), str):
        return None
    kind = schema["type"]
    keywords = {key for key in schema if key not in _ANNOTATIONS and not key.startswith("x-")}
    nullable = body and schema.get("nullable") is True
    if body:
        keywords.discard("nullable")
    if kind not in _QUICK_KEYWORDS or not keywords <= _QUICK_KEYWORDS[kind]:
        return None
    checkers = (
        Draft4Validator.FORMAT_CHECKER if body else parameter_validation.draft4_format_checker
    ).checkers
    if "format" in schema and schema["format"] in checkers:
        return None
    check = _QUICK_CHECK_MAKERS[kind](schema, body)
    if check is None or not nullable:
        return check
    inner = check
    return lambda value: value is None or inner(value)


def _integer_check(schema: dict[str, Any], body: bool) -> QuickCheck:
    lowest, highest = schema.get("minimum"), schema.get("maximum")

    def integer_check(value: Any) -> bool:
        return (
            type(value) is int
            and (lowest is None or value >= lowest)
            and (highest is None or value <= highest)
        )

    return integer_check


def _boolean_check(schema: dict[str, Any], body: bool) -> QuickCheck:
    return lambda value: type(value) is bool


def _string_check(schema: dict[str, Any], body: bool) -> QuickCheck | None:
    shortest, longest = schema.get("minLength", 0), schema.get("maxLength")
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    choices = schema.get("enum")
    if choices is not None and not all(type(choice) is str for choice in choices):
        return None
    allowed = frozenset(choices) if choices is not None else None

    def string_check(value: Any) -> bool:
        return (
            type(value) is str
            and shortest <= len(value)
            and (longest is None or len(value) <= longest)
            and (pattern is None or pattern.search(value) is not None)
            and (allowed is None or value in allowed)
        )

    return string_check


def _object_check(schema: dict[str, Any], body: bool) -> QuickCheck | None:
    extra = schema.get("additionalProperties", True)
    if extra not in (True, False) or not isinstance(schema.get("properties", {}), dict):
        return None
    properties: dict[str, QuickCheck] = {}
    for name, subschema in schema.get("properties", {}).items():
        check = quick_check(subschema, body=body)
        if check is None:
            return None
        properties[name] = check
    required = tuple(schema.get("required", ()))
    closed = extra is False

    def object_check(value: Any) -> bool:
        if type(value) is not dict:
            return False
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            check = properties.get(name)
            if check is None:
                if closed:
                    return False
            elif not check(item):
                return False
        return True

    return object_check


def _array_check(schema: dict[str, Any], body: bool) -> QuickCheck | None:
    item_check = quick_check(schema["items"], body=body) if "items" in schema else None
    if "items" in schema and item_check is None:
        return None
    fewest, most = schema.get("minItems", 0), schema.get("maxItems")

    def array_check(value: Any) -> bool:
        return (
            type(value) is list
            and fewest <= len(value)
            and (most is None or len(value) <= most)
            and (item_check is None or all(item_check(item) for item in value))
        )

    return array_check


_QUICK_CHECK_MAKERS: dict[str, Callable[[dict[str, Any], bool], QuickCheck | None]] = {
    "string": _string_check,
    "integer": _integer_check,
    "boolean": _boolean_check,
    "object": _object_check,
    "array": _array_check,
}


_body_validators: dict[int, tuple[dict[str, Any], tuple[QuickCheck | None, Any]]] = {}


def _cached_body_check(schema: dict[str, Any]) -> tuple[QuickCheck | None, Any]:
    """(the quick check of a request body schema or None, its Draft4RequestValidator)."""
    cached = _body_validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        cached = _body_validators[id(schema)] = (schema, (body_quick_check(schema), validator))
    return cached[1]


def body_quick_check(schema: dict[str, Any]) -> QuickCheck | None:
    """The quick check of a request body schema as connexion hands it to its validator: with
    the spec's `components` beside it (for references; jsonschema validates nothing there)."""
    return quick_check({k: v for k, v in schema.items() if k != "components"}, body=True)


def _body_validator(self: Any) -> Any:
    """connexion 3.3's `JSONRequestBodyValidator._validator`, built once per body schema."""
    return _cached_body_check(self._schema)[1]


_original_body_validate = json_validation.JSONRequestBodyValidator._validate


def _quick_body_validate(self: Any, body: Any) -> None:
    """connexion 3.3's `JSONRequestBodyValidator._validate` (which returns None), after a quick
    check that passes only bodies its validator would pass; the rest go through it unchanged,
    so an invalid body is refused in its words."""
    quick = _cached_body_check(self._schema)[0]
    if quick is not None and quick(body):
        return None
    return cast(None, _original_body_validate(self, body))


def _validate_parameter(
    parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
) -> str | None:
    """connexion 3.3's `ParameterValidator.validate_parameter`, with the validator reused."""
    if is_nullable(param) and is_null(value):
        return None
    if value is not None:
        quick, validator = _cached_parameter_check(param)
        if quick is not None and quick(value):
            return None
        try:
            validator.validate(value)
        except ValidationError as exception:
            return str(exception)
    elif param.get("required"):
        return f"Missing {parameter_type} parameter '{param['name']}'"
    return None


_ORIGINAL_EXTRACT_CONTENT_TYPE = connexion_utils.extract_content_type
_original_swagger_add_api = SwaggerUIMiddleware.add_api
_original_swagger_call = SwaggerUIMiddleware.__call__
DEFAULT_UI_PATH = "/ui"


def _swagger_add_api(
    self: Any, specification: Any, base_path: str | None = None, **kwargs: Any
) -> None:
    _original_swagger_add_api(self, specification, base_path=base_path, **kwargs)
    options = kwargs.get("swagger_ui_options")
    ui_path = getattr(options, "swagger_ui_path", None) or DEFAULT_UI_PATH
    mounted = self.router.routes[-1].path  # the API's base path, as SwaggerUIAPI mounted it
    self.__dict__["_trax_ui_prefixes"] = (
        *self.__dict__.get("_trax_ui_prefixes", ()),
        mounted + ui_path,
    )


async def _swagger_call(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http" and not scope["path"].startswith(
        self.__dict__.get("_trax_ui_prefixes", ("",))
    ):
        await self.app(scope, receive, send)
        return
    await _original_swagger_call(self, scope, receive, send)


def _parameter_call(self: Any, function: Callable[..., Any]) -> Callable[..., Any]:
    """connexion 3.3's AsyncParameterDecorator.__call__, with no body or form read for an
    operation without a request body (decided once per decorator, i.e. per operation), and the
    path and query arguments taken from the parameter plan when it read the request."""
    unwrapped = parameter_decoration.unwrap_decorators(function)
    arguments, has_kwargs = parameter_decoration.inspect_function_arguments(unwrapped)
    plan: dict[str, bool] = {}
    # The plan names arguments as pythonic_params=True does (the app's setting); a decorator
    # that sanitizes otherwise never takes them.
    takes_planned = not has_kwargs and self.sanitize_fn("parameterName") == "parameter_name"

    @functools.wraps(function)
    async def wrapper(request: Any) -> Any:
        bodiless = plan.get("bodiless")
        if bodiless is None:
            bodiless = plan["bodiless"] = not current_operation.is_request_body_defined
        planned = (
            current_scope.get("extensions", {}).get(PLANNED_ARGUMENTS) if takes_planned else None
        )
        if bodiless and not has_kwargs:
            if planned is not None:
                return await function(**_planned_kwargs(planned, arguments))
            request_body, files = None, {}
        else:
            document = _parsed_document(current_scope) if planned is not None else _NO_PLAN
            if document is not _NO_PLAN and is_json_mimetype(request.content_type):
                # What _maybe_get_body would read: Starlette's parse of the same UTF-8 JSON.
                body_name = self.sanitize_fn(current_operation.body_name(request.content_type))
                request_body = document if body_name in arguments else None
            else:
                request_body = self._maybe_get_body(
                    request, arguments=arguments, has_kwargs=has_kwargs
                )
            while asyncio.iscoroutine(request_body):
                request_body = await request_body
            if planned is not None and is_json_mimetype(request.mimetype):
                # A JSON body has no form and no files (Starlette parses only form types).
                body_argument = parameter_decoration._get_body_argument(
                    request_body,
                    operation=current_operation,
                    arguments=arguments,
                    has_kwargs=False,
                    sanitize=self.sanitize_fn,
                    content_type=request.mimetype,
                )
                return await function(
                    **_planned_kwargs(planned, arguments, body_argument, self.sanitize_fn)
                )
            files = await request.files()
        kwargs = parameter_decoration.prep_kwargs(
            request,
            request_body=request_body,
            files=files,
            arguments=arguments,
            has_kwargs=has_kwargs,
            sanitize=self.sanitize_fn,
        )
        return await function(**kwargs)

    return wrapper


def _planned_kwargs(
    planned: PlannedArguments,
    arguments: list[str],
    body_argument: dict[str, Any] | None = None,
    sanitize: Callable[[str], str] = parameter_decoration.pythonic,
) -> dict[str, Any]:
    """What connexion's `prep_kwargs` makes of them for a handler without `**kwargs`: the path
    arguments, the query arguments the handler declares, the body one, then the context ones
    it declares."""
    path_arguments, query_arguments = planned
    kwargs = dict(path_arguments)
    kwargs.update((name, value) for name, value in query_arguments if name in arguments)
    if body_argument:
        kwargs.update((sanitize(name), value) for name, value in body_argument.items())
    for key, value in current_context.items():
        if key in arguments:
            kwargs[key] = value
    if CONTEXT_NAME in arguments:
        kwargs[CONTEXT_NAME] = current_context
    return kwargs


# (path arguments by pythonic name, [(pythonic name, value)] of the query arguments)
PlannedArguments = tuple[dict[str, Any], list[tuple[str, Any]]]
_PLANNED_TYPES = {"string": str, "integer": int}
_NO_PLAN = object()


@dataclass(frozen=True)
class _PlannedParameter:
    spec: dict[str, Any]
    name: str
    argument: str  # connexion's pythonic name, sanitized twice as prep_kwargs does
    convert: Callable[[Any], Any]
    required: bool
    default: Any = _NO_PLAN

    @classmethod
    def of(cls, spec: dict[str, Any], convert: Callable[[Any], Any]) -> _PlannedParameter:
        name = spec["name"]
        schema = spec.get("schema", {})
        # connexion's _get_query_defaults: the parameter's own default, else its schema's.
        default = spec.get("default", schema.get("default", _NO_PLAN))
        return cls(
            spec=spec,
            name=name,
            argument=parameter_decoration.pythonic(parameter_decoration.pythonic(name)),
            convert=convert,
            required=bool(spec.get("required")),
            default=_NO_PLAN if default is _NO_PLAN else convert(default),
        )


class ParameterPlan:
    """One operation's path, query and header parameters, read in one pass (coupling 10)."""

    def __init__(
        self,
        operation: Any,
        path: list[_PlannedParameter],
        query: list[_PlannedParameter],
        header: list[_PlannedParameter],
        allowed_query: set[str],
    ) -> None:
        self.operation = operation
        self.path = path
        self.query = {parameter.name: parameter for parameter in query}
        # By the header's name as ASGI spells it (lower case bytes).
        self.header = {parameter.name.lower().encode("latin-1"): parameter for parameter in header}
        self.allowed_query = allowed_query

    @classmethod
    def of(cls, operation: Any, security_query_params: list[str]) -> ParameterPlan | None:
        """None when an operation has a parameter the plan does not read, or a body that is not
        JSON."""
        if operation.is_request_body_defined and not all(
            is_json_mimetype(media_type) for media_type in operation.consumes
        ):
            return None
        by_place: dict[str, list[_PlannedParameter]] = {"path": [], "query": [], "header": []}
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for spec in operation.parameters:
            # connexion 3.3 repeats a path item's parameters once per operation of the item;
            # the repeats are the same definition, validated alike.
            key = (spec.get("in"), spec.get("name"))
            if key in seen:
                if seen[key] != spec:
                    return None
                continue
            seen[key] = spec
            schema = spec.get("schema", {})
            place = spec.get("in")
            convert = _PLANNED_TYPES.get(schema.get("type"))
            if (
                place not in by_place
                or convert is None
                or (place == "header" and convert is not str)
                or is_nullable(spec)
                or spec.get("x-nullable")
                or {"style", "explode", "content", "allowReserved"} & set(spec)
                or (place == "path" and "-" in spec["name"])
            ):
                return None
            by_place[place].append(_PlannedParameter.of(spec, convert))
        allowed = {parameter.name for parameter in by_place["query"]} | set(security_query_params)
        return cls(operation, by_place["path"], by_place["query"], by_place["header"], allowed)

    def resolve(self, scope: Scope) -> PlannedArguments | None:
        """The request's arguments, each value converted and validated as connexion would; None
        for anything connexion should look at itself."""
        path_arguments: dict[str, Any] = {}
        path_values = scope.get("path_params", {})
        if len(path_values) != len(self.path):
            return None
        for parameter in self.path:
            value = _planned_value(parameter, path_values.get(parameter.name), "path")
            if value is _NO_PLAN:
                return None
            path_arguments[parameter.argument] = value
        given: dict[str, str] = {}
        for name, value in parse_qsl(
            scope["query_string"].decode("latin-1"), keep_blank_values=True
        ):
            if name in given or name not in self.allowed_query:
                return None
            given[name] = value
        query_arguments: list[tuple[str, Any]] = []
        for name, parameter in self.query.items():
            raw = given.get(name)
            if raw is None:
                if parameter.required:
                    return None
                if parameter.default is not _NO_PLAN:
                    query_arguments.append((parameter.argument, parameter.default))
                continue
            value = _planned_value(parameter, raw, "query")
            if value is _NO_PLAN:
                return None
            query_arguments.append((parameter.argument, value))
        if self.header and not self._headers_valid(scope["headers"]):
            return None
        return path_arguments, query_arguments

    def _headers_valid(self, headers: list[tuple[bytes, bytes]]) -> bool:
        first: dict[bytes, str] = {}
        for name, value in headers:
            if name in self.header and name not in first:
                first[name] = value.decode("latin-1")
        for name, parameter in self.header.items():
            text = first.get(name)
            if text is None:
                if parameter.required:
                    return False
            elif _validate_parameter("header", text, parameter.spec) is not None:
                return False
        return True


def _planned_value(parameter: _PlannedParameter, raw: str | None, place: str) -> Any:
    if raw is None:
        return _NO_PLAN
    try:
        value = parameter.convert(raw)
    except ValueError:
        return _NO_PLAN  # connexion leaves it a string and refuses it in validation
    if _validate_parameter(place, value, parameter.spec) is not None:
        return _NO_PLAN
    return value


_original_validation_call = RequestValidationOperation.__call__


async def _planned_validation_call(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """connexion 3.3's `RequestValidationOperation.__call__`, told by the scope that the plan
    already read the parameters (`_planned_parameter_validate`); the content type and the body
    are validated by connexion's code as before."""
    plan = self.__dict__.get("_trax_parameter_plan", _NO_PLAN)
    if plan is _NO_PLAN:
        # Without strict validation unknown query parameters pass: not planned (not ours).
        plan = self.__dict__["_trax_parameter_plan"] = (
            ParameterPlan.of(self._operation, self.security_query_params)
            if self.strict_validation
            else None
        )
    planned = plan.resolve(scope) if plan is not None else None
    if planned is not None:
        scope.setdefault("extensions", {})[PLANNED_ARGUMENTS] = planned
        if "parsed_body" in _installed and validated_in_one_pass(self, scope):
            await self.next_app(scope, receive, send)
            return
    await _original_validation_call(self, scope, receive, send)


def _parsed_document(scope: Scope) -> Any:
    """The body guard's document of the request's JSON body, else _NO_PLAN."""
    if "parsed_body" not in _installed:
        return _NO_PLAN
    return scope.get("extensions", {}).get(JSON_DOCUMENT_EXTENSION, _NO_PLAN)


_REMEMBERED_PER_OPERATION = 16


def validated_in_one_pass(validation: Any, scope: Scope) -> bool:
    """The content type and body checks of connexion 3.3's `RequestValidationOperation.__call__`
    (after its parameter validation, which the plan did), made on the body guard's document
    (coupling 12): raises what connexion would raise, True when the request passed, False when
    connexion's own code must look at it."""
    mime_type, encoding = validation.extract_content_type(scope["headers"])
    accepted = validation.__dict__.setdefault("_trax_accepted_media_types", set())
    if mime_type not in accepted:
        validation.validate_mime_type(mime_type)
        if len(accepted) < _REMEMBERED_PER_OPERATION:
            accepted.add(mime_type)
    operation = validation._operation
    schema = operation.body_schema(mime_type)
    if not schema:
        return True
    document = _parsed_document(scope)
    if document is _NO_PLAN or not _declares_a_body(scope["headers"]) or not names_utf8(encoding):
        return False
    validators = validation.__dict__.setdefault("_trax_body_validators", {})
    validator = validators.get((mime_type, encoding))
    if validator is None:
        try:
            validator_class = validation._validator_map["body"][mime_type]
        except KeyError:  # connexion skips the body's validation, and says so in its log
            return False
        if validator_class is not json_validation.JSONRequestBodyValidator:
            return False
        validator = validator_class(
            schema=schema,
            required=operation.request_body.get("required", False),
            nullable=is_nullable(operation.body_definition(mime_type)),
            encoding=encoding,
            strict_validation=validation.strict_validation,
            uri_parser=operation.uri_parser_class(
                operation.parameters, operation.body_definition()
            ),
        )
        if validator.MUTABLE_VALIDATION:
            return False
        if len(validators) < _REMEMBERED_PER_OPERATION:
            validators[(mime_type, encoding)] = validator
    # AbstractRequestBodyValidator.wrap_receive, for a body that is there.
    if not (document is None and validator._nullable):
        validator._validate(document)
    return True


def _declares_a_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """connexion takes a request without a non-zero Content-Length as one without a body."""
    for name, value in headers:
        if name == b"content-length":
            return value.isdigit() and int(value) > 0
    return False


_original_parameter_validate = parameter_validation.ParameterValidator.validate


def _planned_parameter_validate(self: Any, scope: Scope) -> None:
    """connexion 3.3's `ParameterValidator.validate`, skipped for a request whose parameters
    the plan read and validated."""
    if PLANNED_ARGUMENTS not in scope.get("extensions", {}):
        _original_parameter_validate(self, scope)


_original_body_definition = OpenAPIOperation.body_definition
_BODY_DEFINITIONS_PER_OPERATION = 16


def _body_definition(self: Any, content_type: str | None = None) -> dict[str, Any]:
    """connexion 3.3's `OpenAPIOperation.body_definition`, a pure function of the operation and
    the content type (the spec never changes), kept per operation for a few content types."""
    if len(self.consumes) > 1:  # connexion logs a warning on every call: left as it is
        return cast(dict[str, Any], _original_body_definition(self, content_type))
    known = self.__dict__.setdefault("_trax_body_definitions", {})
    definition = known.get(content_type)
    if definition is None:
        definition = _original_body_definition(self, content_type)
        if len(known) < _BODY_DEFINITIONS_PER_OPERATION:
            known[content_type] = definition
    return cast(dict[str, Any], definition)


def _extract_content_type(headers: list[tuple[bytes, bytes]] | dict[str, str]) -> str | None:
    """connexion 3.3's `utils.extract_content_type`, without its per-call typing expression."""
    pairs: Any = headers.items() if isinstance(headers, dict) else headers
    for key, value in pairs:
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        if name.lower() == "content-type":
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


class UnsupportedConnexion(RuntimeError):
    pass


def require_pinned_connexion() -> None:
    """Refuses to start on a connexion this module was not checked against."""
    installed = version("connexion")
    if installed != CONNEXION_VERSION:
        raise UnsupportedConnexion(
            f"connexion {installed} is installed, but this server is written against "
            f"{CONNEXION_VERSION}: re-check each coupling in server/http/connexion_compat.py, "
            "then raise CONNEXION_VERSION and the pin together"
        )


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId connexion's RoutingMiddleware matched, or None (unrouted)."""
    routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    operation_id = routing.get("operation_id")
    return operation_id if isinstance(operation_id, str) else None


def handler_context(scope: Scope) -> dict[str, Any]:
    """The dict whose entries connexion passes to handlers that declare them as arguments."""
    context: dict[str, Any] = scope.setdefault("extensions", {}).setdefault(HANDLER_CONTEXT, {})
    return context


def validation_sentence(detail: str | None) -> str:
    """connexion's messages carry a dump of the JSON schema after a blank line: keep the
    sentence, drop the dump (and bound its length)."""
    text = (detail or "The request is invalid.").split("\n\n", 1)[0].strip()
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def validation_error_path(detail: str) -> list[str]:
    """The steps of the body path a validation message names (`... - 'a.0.b'`), or []."""
    _, separator, path = detail.split("\n\n", 1)[0].rpartition(" - '")
    return path.removesuffix("'").split(".") if separator else []


def install_caches(caches: frozenset[str] | set[str] = CACHES) -> set[str]:
    """Idempotent; returns the caches in place. A cache once installed stays for the process
    (the benchmark measures an app without one in a process of its own)."""
    require_pinned_connexion()
    unknown = set(caches) - CACHES
    if unknown:
        raise ValueError(f"unknown connexion caches {sorted(unknown)}; known: {sorted(CACHES)}")
    operations, validators = "operations" in caches, "validators" in caches
    if "names" in caches and "names" not in _installed:
        parameter_decoration.pythonic = functools.lru_cache(maxsize=4096)(
            parameter_decoration.pythonic
        )
        parameter_decoration.sanitized = functools.lru_cache(maxsize=4096)(
            parameter_decoration.sanitized
        )
        _installed.add("names")
    if "bodiless" in caches and "bodiless" not in _installed:
        parameter_decoration.AsyncParameterDecorator.__call__ = _parameter_call
        _installed.add("bodiless")
    if "parameter_plan" in caches and "parameter_plan" not in _installed:
        RequestValidationOperation.__call__ = _planned_validation_call
        parameter_validation.ParameterValidator.validate = _planned_parameter_validate
        _installed.add("parameter_plan")
    if "parsed_body" in caches and "parsed_body" not in _installed:
        # Read on each request by the plan's validation call and the parameter decorator.
        _installed.add("parsed_body")
    if "body_definition" in caches and "body_definition" not in _installed:
        OpenAPIOperation.body_definition = _body_definition
        _installed.add("body_definition")
    if "content_type" in caches and "content_type" not in _installed:
        connexion_utils.extract_content_type = _extract_content_type
        _installed.add("content_type")
    if "swagger_ui_path" in caches and "swagger_ui_path" not in _installed:
        SwaggerUIMiddleware.add_api = _swagger_add_api
        SwaggerUIMiddleware.__call__ = _swagger_call
        _installed.add("swagger_ui_path")
    if operations and "operations" not in _installed:
        AsyncOperation.fn = _cached_fn(_OnceStarletteDecorator)
        _installed.add("operations")
    if validators and "validators" not in _installed:
        parameter_validation.ParameterValidator.validate_parameter = staticmethod(
            _validate_parameter
        )
        json_validation.JSONRequestBodyValidator._validator = property(_body_validator)
        json_validation.JSONRequestBodyValidator._validate = _quick_body_validate
        _installed.add("validators")
    return set(_installed)
