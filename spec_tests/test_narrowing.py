"""The input-narrowing check (`tools/contract.py narrowing`, run by `make spec-check`).

Each file in fixtures/narrowing/narrowed/ is fixtures/narrowing/base.yaml after one change that
makes a request valid yesterday invalid today, through a parameter or a request body reached
through `$ref`: the check must fail naming it. Each file in widened/ is the widening
counterpart (or a change that rejects nothing): it must pass.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from spec_tests.support import FIXTURES, ROOT

NARROWING = FIXTURES / "narrowing"
BASE = NARROWING / "base.yaml"
NARROWED = {
    "lower_max_length_through_ref": "POST /things: request body `name`: maxLength 100 → 50",
    "lower_max_items": "POST /things: request body `tags`: maxItems 10 → 5",
    "lower_maximum_on_parameter_ref": "GET /things: query parameter `limit`: maximum 200 → 100",
    "lower_maximum_on_body_field": "POST /things: request body `size`: maximum 1000 → 500",
    "higher_min_length": "POST /things: request body `name`: minLength 1 → 3",
    "higher_min_items": "POST /things: request body `tags`: minItems 0 → 1",
    "higher_minimum": "POST /things: request body `size`: minimum 0 → 10",
    "new_pattern": "POST /things: request body `code`: new pattern '^[A-Z]+$'",
    "new_pattern_on_parameter": "GET /things: query parameter `prefix`: new pattern '^[a-z]+$'",
    "new_required_entry": "POST /things: request body `size`: now required",
    "nullable_removed": "POST /things: request body `note`: no longer nullable",
}
WIDENED = [
    "higher_max_length_through_ref",
    "higher_max_items",
    "higher_maximum_on_parameter_ref",
    "higher_maximum_on_body_field",
    "lower_min_length",
    "lower_min_items",
    "lower_minimum",
    "pattern_unchanged_new_optional_field",
    "required_entry_dropped",
    "nullable_added",
]


def run_check(before, after) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "tools/contract.py", "narrowing", str(before), str(after)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_fixture_is_covered():
    assert {p.stem for p in (NARROWING / "narrowed").glob("*.yaml")} == NARROWED.keys()
    assert {p.stem for p in (NARROWING / "widened").glob("*.yaml")} == set(WIDENED)


@pytest.mark.parametrize(("name", "finding"), NARROWED.items())
def test_a_narrowed_input_fails_the_check(name, finding):
    result = run_check(BASE, NARROWING / "narrowed" / f"{name}.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    findings = [line.split("(breaking within /v1): ", 1)[1] for line in result.stderr.splitlines()]
    assert findings == [finding]


@pytest.mark.parametrize("name", WIDENED)
def test_a_widened_input_passes_the_check(name):
    result = run_check(BASE, NARROWING / "widened" / f"{name}.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_widening_undone_is_a_narrowing():
    # The pairs are symmetric: going back from a widened file to the base narrows the input
    # (the new optional field aside, which the base simply does not have).
    for name in WIDENED:
        if name == "pattern_unchanged_new_optional_field":
            continue
        result = run_check(NARROWING / "widened" / f"{name}.yaml", BASE)
        assert result.returncode == 1, name


def test_the_contract_accepts_everything_its_release_accepted():
    result = run_check(
        ROOT / "openapi" / "released" / "openapi.yaml", ROOT / "openapi" / "openapi.yaml"
    )
    assert result.returncode == 0, result.stderr


def test_a_narrowed_contract_fails(tmp_path):
    spec = yaml.safe_load((ROOT / "openapi" / "openapi.yaml").read_text(encoding="utf-8"))
    spec["components"]["parameters"]["Limit"]["schema"]["maximum"] -= 1
    narrowed = tmp_path / "openapi.yaml"
    narrowed.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = run_check(ROOT / "openapi" / "openapi.yaml", narrowed)
    assert result.returncode == 1
    assert "query parameter `limit`: maximum" in result.stderr
