"""Each coupling of server/http/connexion_compat.py, checked against the installed connexion:
an upgrade shows what moved here, one failing test per coupling. Also: the per-request work
connexion would redo is done once, and validation still refuses what it refused before."""

from __future__ import annotations

import json
import re
import tomllib
from functools import partial
from pathlib import Path

import hypothesis
import pytest
from connexion.apps.asynchronous import AsyncOperation
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT
from hypothesis import strategies as st

from server.app import create_app
from server.http import connexion_compat
from server.http.connexion_compat import CONNEXION_VERSION, DEFAULT_MIDDLEWARES, SWAPPED
from tests.support.client import ApiClient

ROOT = Path(__file__).resolve().parents[2]


def test_the_guard_names_the_pinned_version():
    pin = "connexion[flask,swagger-ui,uvicorn]==" + CONNEXION_VERSION
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert pin in dependencies["dependencies"]
    assert f"connexion=={CONNEXION_VERSION}\n" in (ROOT / "requirements.lock").read_text()
    connexion_compat.require_pinned_connexion()


def test_another_connexion_version_refuses_to_start(monkeypatch, settings, services):
    monkeypatch.setattr(connexion_compat, "version", lambda _name: "3.4.0")
    with pytest.raises(connexion_compat.UnsupportedConnexion, match="3.4.0 is installed"):
        create_app(settings, services)


def _middleware_class(entry) -> type:
    return entry.func if isinstance(entry, partial) else entry


def test_our_stack_is_connexions_default_with_the_documented_swaps(app):
    ours = [_middleware_class(entry) for entry in app.middleware.middlewares]
    swapped_in = {name: original for original, name in SWAPPED.items()}
    restated = []
    for middleware in ours:
        name = f"{middleware.__module__}.{middleware.__qualname__}"
        if name in swapped_in:
            restated.append(swapped_in[name])
        elif middleware.__module__.startswith("connexion."):
            restated.append(middleware)
    assert restated == list(DEFAULT_MIDDLEWARES)


def test_the_scope_keys_are_connexions():
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    scope["extensions"] = {ROUTING_CONTEXT: {"operation_id": "list_studios"}}
    assert connexion_compat.routed_operation_id(scope) == "list_studios"
    connexion_compat.handler_context(scope)["principal"] = "p"
    # connexion's request hands handlers the very dict we fill in.
    assert ConnexionRequest(scope).context is scope["extensions"][connexion_compat.HANDLER_CONTEXT]


def test_validation_messages_are_read_as_connexion_writes_them(api):
    response = api.post("/v1/studios", json={"name": "x", "unknown": 1})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "\n" not in message and re.search(r"unknown", message)
    detail = "5 is not of type 'string'\n\nFailed validating 'type' in schema - 'a.0.b'"
    assert connexion_compat.validation_error_path(detail) == []
    assert connexion_compat.validation_error_path("5 is not of type 'string' - 'a.0.b'") == [
        "a",
        "0",
        "b",
    ]
    assert connexion_compat.validation_sentence(detail) == "5 is not of type 'string'"


def test_every_cache_is_in_place(app):
    assert connexion_compat.install_caches() == set(connexion_compat.CACHES)
    # Our property, not connexion's own (which builds the chain per request).
    assert AsyncOperation.__dict__["fn"].fget.__qualname__.startswith("_cached_fn")


def test_an_unknown_cache_is_refused():
    with pytest.raises(ValueError, match="unknown connexion caches"):
        connexion_compat.install_caches(frozenset({"operation"}))


def test_the_decorator_chain_is_built_once_per_operation(app, api):
    for _ in range(3):
        assert api.get("/v1/studios").status_code == 200
    listed = [op for op in _operations(app) if op.operation_id == "list_studios"]
    assert len(listed) == 1
    built = listed[0].__dict__["_trax_fn"]
    assert listed[0].fn is built
    assert api.get("/v1/studios").status_code == 200
    assert listed[0].fn is built


def _operations(app) -> list:
    """The connexion operation objects the framework under the app dispatches to."""
    views = [
        operation
        for apis in app._middleware_app.apis.values()
        for api in apis
        for operation in api.operations.values()
    ]
    return [view for view in views if isinstance(view, AsyncOperation)]


def test_a_parameter_validator_is_reused_and_still_validates():
    param = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}}
    assert connexion_compat._validate_parameter("query", 5, param) is None
    first = connexion_compat._validator_for(param)
    error = connexion_compat._validate_parameter("query", 0, param)
    assert error is not None and "minimum" in error
    assert connexion_compat._validator_for(param) is first
    required = {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
    assert connexion_compat._validate_parameter("query", None, required) == (
        "Missing query parameter 'q'"
    )


def test_invalid_parameters_are_still_refused(api):
    for query in ("limit=0", "limit=abc", "limit=1.5", "unknown=1"):
        response = api.get(f"/v1/studios?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "invalid_request"


def test_parameter_names_are_memoised_and_unchanged():
    from connexion.decorators import parameter

    assert parameter.pythonic.cache_info  # the memo, not connexion's bare function
    assert parameter.pythonic("studioId") == "studio_id"
    assert parameter.pythonic("id") == "id_"  # a builtin's name is shadowed, as before
    assert parameter.sanitized("a[b]") == "a_b"


def test_swagger_ui_sees_only_its_own_paths(app, api, anonymous, monkeypatch):
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware

    (swagger,) = [
        m for m in app.middleware.middleware_stack if isinstance(m, SwaggerUIMiddleware)
    ] or [None]
    assert swagger is not None and swagger.__dict__["_trax_ui_prefixes"] == ("/v1/ui",)
    routed = []
    original = swagger.router

    async def watching(scope, receive, send):
        routed.append(scope["path"])
        await original(scope, receive, send)

    monkeypatch.setattr(swagger, "router", watching)
    assert api.get("/v1/studios").status_code == 200
    assert anonymous.get("/v1/ui/").status_code == 200
    assert routed == ["/v1/ui/"]


def test_no_form_is_parsed_for_a_bodiless_or_planned_json_operation(api, monkeypatch):
    from connexion.lifecycle import ConnexionRequest

    original = ConnexionRequest.files
    parsed = []

    async def files(self):
        parsed.append(self.method)
        return await original(self)

    monkeypatch.setattr(ConnexionRequest, "files", files)
    assert api.get("/v1/studios?limit=2").status_code == 200
    created = api.post("/v1/studios", json={"name": "With a body"})
    assert created.status_code == 201 and created.json()["name"] == "With a body"
    assert parsed == []
    # A request the plan leaves to connexion is prepared by connexion's own code, form and all.
    monkeypatch.setattr(connexion_compat.ParameterPlan, "resolve", lambda plan, scope: None)
    created = api.post("/v1/studios", json={"name": "Unplanned"})
    assert created.status_code == 201 and created.json()["name"] == "Unplanned"
    assert parsed == ["POST"]


def test_the_content_type_lookup_answers_as_connexions_own(app, api):
    from connexion import utils

    assert utils.extract_content_type is connexion_compat._extract_content_type
    original = connexion_compat._ORIGINAL_EXTRACT_CONTENT_TYPE
    cases = [
        [],
        [(b"host", b"x")],
        [(b"Content-Type", b"application/json; charset=utf-8")],
        [(b"content-type", b"text/plain"), (b"content-type", b"application/json")],
        [(b"x-content-type", b"a"), (b"CONTENT-TYPE", b"caf\xe9")],
        {"Content-Type": "application/json"},
        {"accept": "*/*"},
    ]
    for headers in cases:
        assert utils.extract_content_type(headers) == original(headers), headers
    # Still the content type the request validation and the response decorator act on.
    refused = api.post(
        "/v1/studios", content=b'{"name":"x"}', headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 415
    created = api.post("/v1/studios", json={"name": "Typed"})
    assert created.status_code == 201 and created.headers["content-type"] == "application/json"


def test_a_body_validator_is_built_once_per_schema_and_still_refuses(app, api):
    from connexion.validators.json import JSONRequestBodyValidator

    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    first = JSONRequestBodyValidator(schema=schema, encoding="utf-8", strict_validation=True)
    second = JSONRequestBodyValidator(schema=schema, encoding="utf-8", strict_validation=True)
    assert first._validator is second._validator
    other = JSONRequestBodyValidator(schema=dict(schema), encoding="utf-8", strict_validation=True)
    assert other._validator is not first._validator
    refused = api.post("/v1/studios", json={"name": 7})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_request"
    assert api.post("/v1/studios", json={"name": "Valid"}).status_code == 201


def _inlined(node, components: dict):
    """A piece of the spec with its references inlined, as connexion hands schemas to its
    validators."""
    if isinstance(node, dict):
        if "$ref" in node:
            section, name = node["$ref"].split("/")[-2:]
            return _inlined(components[section][name], components)
        # `x-` extensions are annotations to validators (and one refers back to its schema).
        return {k: v if k.startswith("x-") else _inlined(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [_inlined(value, components) for value in node]
    return node


def _spec_parameter_schemas() -> list[dict]:
    from server.http.spec import load_spec

    spec = load_spec()
    schemas = {}
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                schema = _inlined(parameter, spec["components"]).get("schema", {})
                schemas[repr(sorted(schema.items()))] = schema
    return list(schemas.values())


SPEC_PARAMETER_SCHEMAS = _spec_parameter_schemas()
EDGE_VALUES = [
    "",
    "a",
    "a" * 64,
    "a" * 65,
    "x" * 1025,
    '"etag"',
    'W/"x"',
    "\u00e9\u00e9",
    "\x00",
    " a",
    "a ",
    0,
    1,
    -1,
    2**63 - 1,
    2**63,
    True,
    False,
    1.0,
    None,
    [],
    {},
]


@hypothesis.settings(max_examples=300, deadline=None, derandomize=True, database=None)
@hypothesis.given(
    value=st.one_of(
        st.text(max_size=80),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=700),
        st.integers(min_value=-(2**65), max_value=2**65),
        st.sampled_from(EDGE_VALUES),
    )
)
def test_a_quick_check_never_passes_what_jsonschema_refuses(value):
    from connexion.validators.parameter import draft4_format_checker
    from jsonschema import Draft4Validator

    from server.http.connexion_compat import quick_check

    for schema in SPEC_PARAMETER_SCHEMAS:
        check = quick_check(schema)
        if check is not None and check(value):
            validator = Draft4Validator(schema, format_checker=draft4_format_checker)
            assert validator.is_valid(value), (schema, value)


def test_quick_checks_cover_the_simple_schemas_and_leave_the_rest_to_jsonschema():
    from server.http.connexion_compat import quick_check

    covered = [schema for schema in SPEC_PARAMETER_SCHEMAS if quick_check(schema) is not None]
    assert len(covered) >= 4  # ids, header values, the limit, text queries
    assert quick_check({"type": "string", "enum": ["a", 1]}) is None  # jsonschema's equality
    assert quick_check({"type": "string", "nullable": True}) is None  # not a parameter rule
    assert quick_check({"type": ["string", "null"]}) is None
    assert quick_check({"type": "string", "format": "date-time"}) is None  # a checked format
    assert quick_check({"type": "array", "items": {"type": "string"}, "uniqueItems": True}) is None
    assert quick_check({"type": "object", "additionalProperties": {"type": "string"}}) is None
    bounded = quick_check({"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^a"})
    assert bounded("ab") and not bounded("") and not bounded("abcd") and not bounded("ba")
    limit = quick_check({"type": "integer", "minimum": 1, "maximum": 5, "format": "int64"})
    assert limit(1) and limit(5) and not limit(0) and not limit(6) and not limit(True)


def _spec_body_schemas() -> dict[str, dict]:
    """Each JSON request body schema of the spec, references inlined (as connexion hands it to
    its validator), by operationId."""
    from server.http.spec import load_spec

    spec = load_spec()
    schemas = {}
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                content = _inlined(operation["requestBody"], spec["components"])["content"]
                if "application/json" in content:
                    schemas[operation["operationId"]] = content["application/json"]["schema"]
    return schemas


SPEC_BODY_SCHEMAS = _spec_body_schemas()
_ODD_VALUES = st.sampled_from(EDGE_VALUES + [1.5, -0.0, float("nan"), {"": None}, [None]])


def _near(schema: dict) -> st.SearchStrategy:
    """Values near a schema: mostly shaped like it, often just past one of its rules."""
    if "example" in schema:  # the spec's examples are valid: near values start from them
        return st.one_of(st.just(schema["example"]), _near_by_type(schema))
    return _near_by_type(schema)


def _near_by_type(schema: dict) -> st.SearchStrategy:
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        names = list(properties)
        fields = st.lists(st.sampled_from(names), unique=True) if names else st.just([])
        # Every property at its example (or near it), then any subset of them near.
        full = st.fixed_dictionaries({name: _near(properties[name]) for name in names})
        return st.one_of(
            _ODD_VALUES,
            full,
            fields.flatmap(
                lambda chosen: st.fixed_dictionaries(
                    {name: _near(properties[name]) for name in chosen},
                    optional={"unknownField": _ODD_VALUES},
                )
            ),
        )
    if kind == "array":
        items = _near(schema.get("items", {}))
        most = schema.get("maxItems", 4)
        return st.one_of(_ODD_VALUES, st.lists(items, max_size=most + 2))
    if kind == "string":
        longest = schema.get("maxLength", 20)
        options = [_ODD_VALUES, st.text(max_size=longest + 2), st.just("a" * longest)]
        options.append(st.just("a" * (longest + 1)))
        if "pattern" in schema:
            options.append(st.from_regex(schema["pattern"]))
        if "enum" in schema:
            options.append(st.sampled_from(schema["enum"]))
        return st.one_of(options)
    if kind == "integer":
        low, high = schema.get("minimum", -5), schema.get("maximum", 5)
        return st.one_of(_ODD_VALUES, st.integers(low - 2, high + 2), st.floats(low - 2, high + 2))
    return st.one_of(_ODD_VALUES, st.booleans())


QUICK_CHECKED_BODIES = sorted(
    name
    for name, schema in SPEC_BODY_SCHEMAS.items()
    if connexion_compat.body_quick_check(schema) is not None
)


@pytest.mark.parametrize("operation_id", QUICK_CHECKED_BODIES)
def test_a_body_quick_check_never_passes_what_the_request_validator_refuses(operation_id):
    from connexion.json_schema import Draft4RequestValidator
    from jsonschema import Draft4Validator

    schema = SPEC_BODY_SCHEMAS[operation_id]
    check = connexion_compat.body_quick_check(schema)
    validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    passed = []

    @hypothesis.settings(max_examples=400, deadline=None, derandomize=True, database=None)
    @hypothesis.given(value=_near(schema))
    def never_wrong(value):
        if check(value):
            assert validator.is_valid(value), (operation_id, value)
            passed.append(value)

    never_wrong()
    assert passed, f"{operation_id}: the quick check passed no body at all"


def test_the_create_bodies_have_quick_checks_and_they_are_used(api, monkeypatch):
    from connexion.validators.json import JSONRequestBodyValidator

    assert {"create_studio", "update_studio"} <= set(QUICK_CHECKED_BODIES)
    check = connexion_compat.body_quick_check(
        {**SPEC_BODY_SCHEMAS["create_studio"], "components": {"schemas": {}}}
    )
    assert check({"name": "Show"}) and check({"name": "Show", "autoGoLive": True})
    assert not check({"name": ""}) and not check({"name": "Show", "extra": 1})
    assert not check({"autoGoLive": True}) and not check({"name": "Show", "autoGoLive": 1})
    consulted = []
    built = JSONRequestBodyValidator._validator.fget
    monkeypatch.setattr(
        JSONRequestBodyValidator,
        "_validator",
        property(lambda self: consulted.append(1) or built(self)),
    )
    assert api.post("/v1/studios", json={"name": "Quick"}).status_code == 201
    assert consulted == [], "a valid body went through jsonschema"
    refused = api.post("/v1/studios", json={"name": "Quick", "autoGoLive": "yes"})
    assert refused.status_code == 400 and "autoGoLive" in refused.text
    assert consulted, "an invalid body is worded by jsonschema"


def _recording_plans(monkeypatch) -> list:
    """(plan, scope path, what it read) of each request the parameter plan looked at."""
    from tests.support.plan_shadow import shadowed_resolve

    seen = []

    def resolve(plan, scope):
        planned = shadowed_resolve(plan, scope)
        seen.append((plan, scope["path"] + "?" + scope["query_string"].decode(), planned))
        return planned

    monkeypatch.setattr(connexion_compat.ParameterPlan, "resolve", resolve)
    return seen


def test_the_parameter_plan_reads_plain_requests_and_leaves_the_rest_to_connexion(api, monkeypatch):
    studio = api.post("/v1/studios", json={"name": "Planned"}).json()
    seen = _recording_plans(monkeypatch)
    assert api.get("/v1/studios?limit=2").status_code == 200
    assert api.get("/v1/studios").status_code == 200
    got = api.get(f"/v1/studios/{studio['id']}", headers={"If-None-Match": '"x"'})
    assert got.status_code == 200 and got.json()["name"] == "Planned"
    read = [planned for _, _, planned in seen]
    assert read == [
        ({}, [("limit", 2)]),
        ({}, [("limit", 50)]),  # the spec's default, as connexion merges it
        ({"studio_id": studio["id"]}, []),
    ]
    seen.clear()
    answers = {}
    for query in ("limit=0", "limit=abc", "unknown=1", "limit=1&limit=2", "limit=%201"):
        answers[query] = api.get(f"/v1/studios?{query}").status_code
    # connexion takes the last of repeated values and int(" 1") is 1: both left to connexion,
    # and answered as before.
    assert answers == {
        "limit=0": 400,
        "limit=abc": 400,
        "unknown=1": 400,
        "limit=1&limit=2": 200,
        "limit=%201": 200,
    }
    assert [planned is None for _, _, planned in seen] == [True, True, True, True, False]
    # A JSON body operation's parameters are planned too; its body is connexion's.
    seen.clear()
    assert api.post("/v1/studios", json={"name": "Body"}).status_code == 201
    assert [planned for _, _, planned in seen] == [({}, [])]
    assert api.post("/v1/studios", json={"name": 5}).status_code == 400


def test_a_plan_that_reads_otherwise_than_connexion_fails_the_suite(api, monkeypatch):
    from dataclasses import replace

    from tests.support.plan_shadow import PlanDisagrees, shadowed_resolve

    seen = _recording_plans(monkeypatch)
    assert api.get("/v1/studios?limit=3").status_code == 200
    plan, _, _ = seen[0]
    scope = {"type": "http", "path": "/v1/studios", "query_string": b"limit=3", "headers": []}
    assert shadowed_resolve(plan, {**scope, "path_params": {}}) == ({}, [("limit", 3)])
    off_by_one = connexion_compat.ParameterPlan(
        plan.operation,
        plan.path,
        [replace(plan.query["limit"], convert=lambda text: int(text) + 1), plan.query["cursor"]],
        list(plan.header.values()),
        plan.allowed_query,
    )
    with pytest.raises(PlanDisagrees):
        shadowed_resolve(off_by_one, {**scope, "path_params": {}})
    unbounded = connexion_compat.ParameterPlan(
        plan.operation, plan.path, [], list(plan.header.values()), plan.allowed_query
    )
    with pytest.raises(PlanDisagrees):  # connexion refuses limit=0
        shadowed_resolve(unbounded, {**scope, "query_string": b"limit=0", "path_params": {}})


def test_a_body_definition_is_kept_per_operation_and_answers_as_connexions(api, monkeypatch):
    seen = _recording_plans(monkeypatch)
    assert api.post("/v1/studios", json={"name": "Defined"}).status_code == 201
    operation = seen[0][0].operation
    original = connexion_compat._original_body_definition
    for content_type in (None, "application/json", "text/plain", "application/*"):
        kept = operation.body_definition(content_type)
        assert kept == original(operation, content_type), content_type
        assert operation.body_definition(content_type) is kept
    for index in range(40):  # content types come from clients: a few are kept, none refused
        assert operation.body_definition(f"x/y{index}") == original(operation, f"x/y{index}")
    assert len(operation.__dict__["_trax_body_definitions"]) <= 16


def _recording_one_pass(monkeypatch, *, shadowed: bool = True) -> list:
    """(the request validation operation, path, outcome) of each request whose body went to
    coupling 12's one-pass validation (shadowed by connexion's, as in the whole suite, unless
    a test counts what connexion parses)."""
    from tests.support.plan_shadow import _original_one_pass, shadowed_one_pass

    judge = shadowed_one_pass if shadowed else _original_one_pass
    seen = []

    def one_pass(validation, scope):
        try:
            outcome = judge(validation, scope)
        except Exception as refused:
            seen.append((validation, scope["path"], type(refused).__name__))
            raise
        seen.append((validation, scope["path"], outcome))
        return outcome

    monkeypatch.setattr(connexion_compat, "validated_in_one_pass", one_pass)
    return seen


def _counting_parses(monkeypatch) -> list:
    """Each parse of a body by connexion's validation or by Starlette's `Request.json()`."""
    from connexion.validators.json import JSONRequestBodyValidator
    from starlette.requests import Request

    parses = []
    original_parse, original_json = JSONRequestBodyValidator._parse, Request.json

    async def parse(self, stream, scope):
        parses.append("validation")
        return await original_parse(self, stream, scope)

    async def starlette_json(self):
        parses.append("argument")
        return await original_json(self)

    monkeypatch.setattr(JSONRequestBodyValidator, "_parse", parse)
    monkeypatch.setattr(Request, "json", starlette_json)
    return parses


def test_a_json_body_is_parsed_once_and_validated_as_connexion_does(api, monkeypatch):
    seen = _recording_one_pass(monkeypatch, shadowed=False)
    parses = _counting_parses(monkeypatch)
    created = api.post("/v1/studios", json={"name": "Parsed once", "autoGoLive": True})
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["autoGoLive"]) == ("Parsed once", True)
    assert parses == [], "connexion parsed the body again"
    assert [(path, outcome) for _, path, outcome in seen] == [("/v1/studios", True)]
    # Refusals are connexion's, in its words (the shadow compared them).
    for body, words in (
        ({"name": 7}, "7 is not of type 'string'"),
        ({"name": "x", "extra": 1}, "Additional properties are not allowed"),
        ({}, "'name' is a required property"),
        ([], "[] is not of type 'object'"),
        (None, "Request body must not be empty"),  # the document `null`
    ):
        refused = api.post(
            "/v1/studios", content=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        assert refused.status_code == 400, body
        assert words in refused.json()["error"]["message"], (body, refused.json())
    assert [outcome for _, _, outcome in seen[1:]] == ["BadRequestProblem"] * 5
    assert parses == []
    refused = api.post("/v1/studios", content=b'{"name":"x"}', headers={"Content-Type": "text/csv"})
    assert refused.status_code == 415 and seen[-1][2] == "UnsupportedMediaTypeProblem"
    validation = seen[0][0]
    assert validation.__dict__["_trax_accepted_media_types"] == {"application/json"}
    assert set(validation.__dict__["_trax_body_validators"]) == {("application/json", "utf-8")}


def test_a_body_connexion_would_read_otherwise_is_left_to_connexion(api, monkeypatch):
    seen = _recording_one_pass(monkeypatch, shadowed=False)
    parses = _counting_parses(monkeypatch)
    # A charset other than UTF-8 never gets this far: the body guard refuses it (415), where
    # connexion would decode the body as the charset says (and answer 500 for an unknown one).
    for charset in ("latin-1", "foo"):
        refused = api.post(
            "/v1/studios",
            content=b'{"name":"Latin"}',
            headers={"Content-Type": f"application/json;charset={charset}"},
        )
        assert refused.status_code == 415, refused.text
        assert "JSON bodies are UTF-8" in refused.json()["error"]["message"]
    assert seen == [] and parses == []
    # Without a Content-Length connexion takes the request as one without a body.
    chunked = api.post(
        "/v1/studios",
        content=iter([b'{"name":', b'"Chunked"}']),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 400 and "RequestBody is required" in chunked.text
    assert seen[-1][2] is False and parses == []


def test_a_one_pass_validation_that_judges_otherwise_fails_the_suite(api, monkeypatch):
    from server.http.body_limit import BODY_EXTENSION, JSON_DOCUMENT_EXTENSION
    from tests.support.plan_shadow import PlanDisagrees, shadowed_one_pass

    seen = _recording_one_pass(monkeypatch)
    assert api.post("/v1/studios", json={"name": "Judged"}).status_code == 201
    validation = seen[0][0]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/studios",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"12")],
        "extensions": {
            BODY_EXTENSION: b'{"name":"x"}',
            JSON_DOCUMENT_EXTENSION: {"name": "x"},
            connexion_compat.PLANNED_ARGUMENTS: ({}, []),
        },
    }
    assert shadowed_one_pass(validation, scope) is True
    # A document that is not the body's: the one-pass validation refuses what connexion passes.
    scope["extensions"][JSON_DOCUMENT_EXTENSION] = {"name": 7}
    with pytest.raises(PlanDisagrees):
        shadowed_one_pass(validation, scope)


def test_error_handlers_answer_on_the_event_loop(settings, services, api, anonymous, monkeypatch):
    """connexion runs a sync error handler in Starlette's thread pool (a hop per 4xx); ours are
    handed over as async adapters. The watched name is the one connexion's wrapper calls: the
    same requests on an app with threaded error handlers go through it."""
    from connexion.middleware import exceptions

    hops = []
    original = exceptions.run_in_threadpool

    async def watching(function, *args):
        hops.append(function.__name__)
        return await original(function, *args)

    monkeypatch.setattr(exceptions, "run_in_threadpool", watching)

    def answers(client_for_key, keyless):
        return [
            keyless.get("/v1/studios").status_code,
            client_for_key.get("/v1/studios/studio_nope").status_code,
            client_for_key.get("/v1/studios?limit=nope").status_code,
        ]

    assert answers(api, anonymous) == [401, 404, 400]
    assert hops == []
    threaded = create_app(settings, services, inline_errors=False)
    assert answers(ApiClient(threaded, api.secret), ApiClient(threaded)) == [401, 404, 400]
    assert hops == ["api_error", "api_error", "problem"]
