"""The contract as a document: served as written, complete for reviewers, loadable by tools."""

from __future__ import annotations

import re

import pytest
import yaml
from openapi_spec_validator import validate

from server.domain.scopes import ALL_SCOPES
from server.http.spec import HTTP_METHODS, SCOPE_EXTENSION, SPEC_PATH, load_spec

SPEC = load_spec()
OPERATIONS = [
    (path, method, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in HTTP_METHODS
]
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


class _StrictLoader(yaml.SafeLoader):
    """Refuses duplicate mapping keys, which PyYAML would otherwise silently overwrite."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = {key for key in keys if keys.count(key) > 1}
        assert not duplicates, f"duplicate keys {duplicates} at line {node.start_mark.line + 1}"
        return super().construct_mapping(node, deep=deep)


def test_the_document_has_no_duplicate_keys():
    yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=_StrictLoader)


def test_the_document_is_valid_openapi_3_0():
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_served_document_equals_the_file(anonymous):
    response = anonymous.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == SPEC


def test_interactive_reference_is_served_with_local_assets(anonymous):
    page = anonymous.get("/v1/ui/")
    assert page.status_code == 200 and "swagger-ui" in page.text
    scripts = re.findall(r'src="([^"]+)"', page.text)
    assert scripts and all(not s.startswith(("http:", "https:", "//")) for s in scripts)
    for script in scripts:
        assert anonymous.get("/v1/ui/" + script.removeprefix("./")).status_code == 200


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_is_documented_for_review(path, method, operation):
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", operation["operationId"])
    assert operation.get("tags") and operation.get("summary") and operation.get("description")
    scope = operation[SCOPE_EXTENSION]
    public = operation.get("security", SPEC["security"]) == []
    assert (scope == "none") if public else (scope in ALL_SCOPES)
    responses = operation["responses"]
    assert "500" in responses
    if not public:
        assert {"401", "403", "429"} <= responses.keys()
    if method in ("post", "put", "patch", "delete"):
        assert "503" in responses
    if "requestBody" in operation:
        assert {"400", "413", "415"} <= responses.keys()
        assert operation["requestBody"]["content"]["application/json"].get("examples")
    for status, response in responses.items():
        if "$ref" in response:
            assert response["$ref"].startswith("#/components/responses/")
            continue
        assert "X-Request-Id" in response["headers"], f"{status} lacks X-Request-Id"
        if status == "204":
            assert "content" not in response
            continue
        media = response["content"]["application/json"]
        assert media.get("example") is not None or media.get("examples"), f"{status} example"


def test_operation_ids_are_unique():
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]
    assert len(ids) == len(set(ids))


def test_every_shared_error_response_uses_the_one_error_schema():
    for name, response in SPEC["components"]["responses"].items():
        if name == "NotModified":  # the one shared non-error response: a 304 has no body
            assert "content" not in response and "X-Request-Id" in response["headers"]
            continue
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, name
        assert "X-Request-Id" in response["headers"], name


RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": "#/components/headers/RateLimitPolicy",
    "RateLimit": "#/components/headers/RateLimit",
}
KEYED = [(p, m, o) for p, m, o in OPERATIONS if o.get("security", SPEC["security"]) != []]


def resolved(response: dict) -> dict:
    if "$ref" in response:
        return SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


@pytest.mark.parametrize(
    ("path", "method", "operation"), KEYED, ids=[f"{m.upper()} {p}" for p, m, _ in KEYED]
)
def test_every_response_of_a_keyed_operation_declares_the_rate_limit_fields(
    path, method, operation
):
    """Every answer to a request with a valid key carries the bucket state, errors included.
    401 is the one exception: without a valid key there is no bucket to report."""
    assert {"429", "503"} <= operation["responses"].keys(), "429 and 503 (database) needed"
    if "requestBody" in operation:
        assert "408" in operation["responses"], "a body can arrive too slowly: 408"
    for status, response in operation["responses"].items():
        headers = resolved(response).get("headers", {})
        declared = {name: headers.get(name, {}).get("$ref") for name in RATE_LIMIT_HEADERS}
        if status == "401":
            assert declared == dict.fromkeys(RATE_LIMIT_HEADERS), "401 has no bucket"
        else:
            assert declared == RATE_LIMIT_HEADERS, f"{status} lacks the rate-limit fields"
    retry_after = resolved(operation["responses"]["429"])["headers"]["Retry-After"]
    assert retry_after == {"$ref": "#/components/headers/RetryAfter"}


def test_public_operations_are_not_rate_limited():
    public = [o for _, _, o in OPERATIONS if o.get("security", SPEC["security"]) == []]
    for operation in public:
        assert "429" not in operation["responses"]
        for status, response in operation["responses"].items():
            if "$ref" not in response:
                assert "RateLimit" not in response.get("headers", {}), status
