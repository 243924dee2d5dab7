"""The breaking-change check (Optic, as `make spec-check` runs it) follows the /v1 versioning rules.

Each file in fixtures/breaking/ is fixtures/breaking/base.yaml after one change that the /v1
rules (openapi/README.md) forbid, and must fail the check with the named Optic rule; each file
in fixtures/compatible/ is base.yaml after an additive change, and must pass.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from spec_tests.support import FIXTURES, node_tool

BASE = FIXTURES / "breaking" / "base.yaml"
BREAKING = {
    "removed_operation": "prevent operation removal",
    "removed_response_field": "prevent removing response property",
    "new_required_request_field": "prevent changing request property to required",
    "narrowed_request_enum": "request and response property enums",
    "changed_response_type": "prevent response property type changes",
    "changed_request_type": "prevent request property type changes",
    "required_query_parameter": "prevent requiring existing query parameters",
    "response_field_optional": "prevent making response property optional",
}
COMPATIBLE = [
    "new_operation",
    "new_optional_fields",
    "widened_request_enum",
    "request_field_optional",
]


def optic_check(after):
    return node_tool("optic", "diff", BASE, after, "--check")


@pytest.fixture(scope="module")
def outcomes():
    cases = {f"breaking/{n}": FIXTURES / "breaking" / f"{n}.yaml" for n in BREAKING}
    cases |= {f"compatible/{n}": FIXTURES / "compatible" / f"{n}.yaml" for n in COMPATIBLE}
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(cases, pool.map(optic_check, cases.values()), strict=True))


def test_every_fixture_is_covered():
    on_disk = {p.stem for p in (FIXTURES / "breaking").glob("*.yaml")} - {"base"}
    assert on_disk == BREAKING.keys()
    assert {p.stem for p in (FIXTURES / "compatible").glob("*.yaml")} == set(COMPATIBLE)


@pytest.mark.parametrize(("name", "rule"), BREAKING.items())
def test_a_breaking_change_fails_the_check(outcomes, name, rule):
    result = outcomes[f"breaking/{name}"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"[{rule}]" in result.stdout, result.stdout


@pytest.mark.parametrize("name", COMPATIBLE)
def test_an_additive_change_passes_the_check(outcomes, name):
    result = outcomes[f"compatible/{name}"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "This is a breaking change" not in result.stdout


def test_the_contract_has_no_breaking_change_since_its_release():
    released = FIXTURES.parents[1] / "openapi" / "released" / "openapi.yaml"
    result = node_tool("optic", "diff", released, "openapi/openapi.yaml", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
