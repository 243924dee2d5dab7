"""The style ruleset (openapi/lint/ruleset.yaml) holds the contract to this project's conventions.

A conforming fixture lints clean; each mutation below breaks one convention and must trip its
rule and no other. Spectral runs once over all the files.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
import yaml

from spec_tests.support import FIXTURES, ROOT, node_tool

RULESET = ROOT / "openapi" / "lint" / "ruleset.yaml"
BASE = yaml.safe_load((FIXTURES / "lint" / "conforming.yaml").read_text())


def op(spec: dict, path: str = "/gadgets", method: str = "get") -> dict:
    return spec["paths"][path][method]


def schemas(spec: dict) -> dict:
    return spec["components"]["schemas"]


def rename_path(old: str, new: str) -> Callable[[dict], None]:
    return lambda s: s["paths"].__setitem__(new, s["paths"].pop(old))


def drop_response(status: str, path: str = "/gadgets", method: str = "get"):
    return lambda s: op(s, path, method)["responses"].pop(status)


def inline_error(spec: dict) -> None:
    response = copy.deepcopy(spec["components"]["responses"]["InvalidKey"])
    response["content"]["application/json"] = {
        "schema": {
            "type": "object",
            "properties": {"message": {"type": "string", "maxLength": 9, "description": "Why."}},
        },
        "example": {"message": "no"},
    }
    op(spec)["responses"]["401"] = response


# (rule that must fire, what the mutation does)
MUTATIONS: dict[str, tuple[str, Callable[[dict], None]]] = {
    "schema_without_description": (
        "trax-schema-description",
        lambda s: schemas(s)["Gadget"].pop("description"),
    ),
    "property_without_description": (
        "trax-property-description",
        lambda s: schemas(s)["Gadget"]["properties"]["id"].pop("description"),
    ),
    "snake_case_field": (
        "trax-json-fields-camel-case",
        lambda s: schemas(s)["Gadget"]["properties"].__setitem__(
            "weight_grams", {"type": "string", "maxLength": 9, "description": "Grams."}
        ),
    ),
    "snake_case_query_parameter": (
        "trax-parameter-names-camel-case",
        lambda s: s["components"]["parameters"]["Limit"].__setitem__("name", "page_size"),
    ),
    "camel_case_operation_id": (
        "trax-operation-id-snake-case",
        lambda s: op(s).__setitem__("operationId", "listGadgets"),
    ),
    "singular_collection_before_id": (
        "trax-path-segments",
        rename_path("/gadgets/{gadgetId}/power-state", "/gadget/{gadgetId}/power-state"),
    ),
    "singular_listed_collection": ("trax-path-segments", rename_path("/gadgets", "/gadget")),
    "camel_case_segment": (
        "trax-path-segments",
        rename_path("/gadgets/{gadgetId}/power-state", "/gadgets/{gadgetId}/powerState"),
    ),
    "missing_tag": ("operation-tags", lambda s: op(s).pop("tags")),
    "undeclared_tag": ("operation-tag-defined", lambda s: op(s).__setitem__("tags", ["widgets"])),
    "two_tags": (
        "trax-operation-single-tag",
        lambda s: op(s).__setitem__("tags", ["gadgets", "meta"]),
    ),
    "missing_summary": ("trax-operation-summary", lambda s: op(s).pop("summary")),
    "missing_description": ("operation-description", lambda s: op(s).pop("description")),
    "missing_scope": ("trax-operation-scope", lambda s: op(s).pop("x-trax-required-scope")),
    "malformed_scope": (
        "trax-operation-scope",
        lambda s: op(s).__setitem__("x-trax-required-scope", "gadgets"),
    ),
    "public_operation_with_scope": (
        "trax-operation-scope",
        lambda s: op(s, "/health").__setitem__("x-trax-required-scope", "meta:read"),
    ),
    "missing_response_example": (
        "trax-response-examples",
        lambda s: op(s)["responses"]["200"]["content"]["application/json"].pop("example"),
    ),
    "missing_request_example": (
        "trax-request-body-examples",
        lambda s: op(s, method="post")["requestBody"]["content"]["application/json"].pop("example"),
    ),
    "missing_parameter_example": (
        "trax-parameter-examples",
        lambda s: s["components"]["parameters"]["Limit"].pop("example"),
    ),
    "example_not_matching_schema": (
        "oas3-valid-media-example",
        lambda s: op(s)["responses"]["200"]["content"]["application/json"]["example"].update(
            data=[{"id": "gadget_1", "displayName": "One", "weightGrams": "five"}]
        ),
    ),
    "schema_example_not_matching_schema": (
        "oas3-valid-schema-example",
        lambda s: schemas(s)["Gadget"]["properties"]["id"].__setitem__("example", 42),
    ),
    "missing_401": ("trax-error-responses", drop_response("401")),
    "missing_429": ("trax-error-responses", drop_response("429")),
    "missing_500_on_public": ("trax-error-responses", drop_response("500", "/health")),
    "missing_400_with_parameters": ("trax-error-responses", drop_response("400")),
    "missing_404_with_path_id": (
        "trax-error-responses",
        drop_response("404", "/gadgets/{gadgetId}/power-state", "delete"),
    ),
    "missing_415_with_body": ("trax-error-responses", drop_response("415", method="post")),
    "missing_503_on_write": ("trax-error-responses", drop_response("503", method="post")),
    "error_outside_the_envelope": ("trax-error-responses", inline_error),
    "missing_success_response": (
        "trax-success-response",
        lambda s: op(s)["responses"].pop("200"),
    ),
    "response_without_request_id": (
        "trax-response-request-id",
        lambda s: op(s)["responses"]["200"].pop("headers"),
    ),
    "integer_without_format": (
        "trax-integer-format-and-bounds",
        lambda s: schemas(s)["Gadget"]["properties"]["weightGrams"].pop("format"),
    ),
    "integer_without_maximum": (
        "trax-integer-format-and-bounds",
        lambda s: s["components"]["parameters"]["Limit"]["schema"].pop("maximum"),
    ),
    "string_without_max_length": (
        "trax-string-max-length",
        lambda s: schemas(s)["Gadget"]["properties"]["displayName"].pop("maxLength"),
    ),
    "extensible_enum_with_enum": (
        "trax-extensible-enum",
        lambda s: schemas(s)["Health"]["properties"]["status"].__setitem__("enum", ["ok"]),
    ),
    "structurally_invalid": (
        "oas3-schema",
        lambda s: op(s)["responses"]["200"].pop("description"),
    ),
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict[str, set[str]]:
    """Rule codes of the errors Spectral reports, by fixture name."""
    directory = tmp_path_factory.mktemp("lint")
    files = {"conforming": directory / "conforming.yaml"}
    files["conforming"].write_text(yaml.safe_dump(BASE, sort_keys=False))
    for name, (_, mutate) in MUTATIONS.items():
        spec = copy.deepcopy(BASE)
        mutate(spec)
        files[name] = directory / f"{name}.yaml"
        files[name].write_text(yaml.safe_dump(spec, sort_keys=False))
    result = node_tool(
        "spectral", "lint", "--ruleset", RULESET, "--format", "json", "--quiet",
        "--fail-severity", "error", *files.values(),
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    found: dict[str, set[str]] = {name: set() for name in files}
    by_path = {str(path): name for name, path in files.items()}
    for finding in json.loads(result.stdout or "[]"):
        if finding["severity"] == 0:  # errors only: warnings do not fail the gate
            found[by_path[finding["source"]]].add(finding["code"])
    return found


def test_the_conforming_fixture_lints_clean(findings):
    assert findings["conforming"] == set()


@pytest.mark.parametrize(("name", "rule"), [(n, r) for n, (r, _) in MUTATIONS.items()])
def test_each_convention_violation_is_an_error(findings, name, rule):
    assert findings[name] == {rule}, f"{name} tripped {sorted(findings[name])}, not {rule}"


def test_the_contract_lints_clean():
    # Only the working contract: the released one is frozen and the ruleset may tighten after it.
    contract = ROOT / "openapi" / "openapi.yaml"
    result = node_tool(
        "spectral", "lint", "--ruleset", RULESET, "--fail-severity", "error", contract
    )
    assert result.returncode == 0, result.stdout + result.stderr
