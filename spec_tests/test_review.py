"""The contract review report (`make spec-review`, tools/review.py) says what a change does.

Each case is a fixture pair (the breaking-change, narrowing and review fixtures): the report
must name the operation, each change with its mark (additive, breaking, documentation), the
change of the generated Python client's surface, and the version bump.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from spec_tests.support import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import review  # noqa: E402

BASE = FIXTURES / "breaking" / "base.yaml"
NARROWING_BASE = FIXTURES / "narrowing" / "base.yaml"
MAJOR = "**major** (2.0.0)"
MINOR = "**minor** (1.1.0)"
PATCH = "**patch** (1.0.1)"
CASES = {
    "breaking/removed_operation": (
        BASE,
        ["### DELETE /widgets/{widgetId} (`delete_widget`)", "- breaking: operation removed",
         "- removed: `api.default.delete_widget.sync_detailed(widget_id, client)`"],
        MAJOR,
    ),
    "breaking/removed_response_field": (
        BASE,
        ["### GET /widgets/{widgetId} (`get_widget`)",
         "- breaking: response `200` field `color` removed",
         "- breaking: response `200` field `data[].color` removed",
         "- removed: `Widget.color: str | Unset`"],
        MAJOR,
    ),
    "breaking/new_required_request_field": (
        BASE,
        ["- breaking: request field `size` now required",
         "- changed: `CreateWidgetRequest.size: int | Unset` → `CreateWidgetRequest.size: int`"],
        MAJOR,
    ),
    "breaking/narrowed_request_enum": (
        BASE, ["- breaking: request field `color`: no longer accepts ['blue']"], MAJOR,
    ),
    "breaking/changed_response_type": (
        BASE, ["- breaking: response `200` field `size`: type integer → string"], MAJOR,
    ),
    "breaking/changed_request_type": (
        BASE, ["- breaking: request field `size`: type integer → string"], MAJOR,
    ),
    "breaking/required_query_parameter": (
        BASE, ["- breaking: query parameter `limit` now required"], MAJOR,
    ),
    "breaking/response_field_optional": (
        BASE, ["- breaking: response `200` field `size` no longer always present"], MAJOR,
    ),
    "compatible/new_operation": (
        BASE,
        ["### PATCH /widgets/{widgetId} (`update_widget`)", "- additive: new operation",
         "- added: `api.default.update_widget.sync(widget_id, client, body)`"],
        MINOR,
    ),
    "compatible/new_optional_fields": (
        BASE,
        ["- additive: query parameter `color` added (optional)",
         "- additive: request field `weight` added (optional)",
         "- additive: response `200` field `weight` added",
         "- added: `Widget.weight: int | Unset`",
         "- changed: `api.default.list_widgets.sync(client, limit)` → "
         "`api.default.list_widgets.sync(client, limit, color)`"],
        MINOR,
    ),
    "compatible/widened_request_enum": (
        BASE, ["- additive: request field `color`: accepts ['black']"], MINOR,
    ),
    "compatible/request_field_optional": (
        BASE, ["- additive: request field `name` no longer required"], MINOR,
    ),
    "narrowing/narrowed/lower_max_length_through_ref": (
        NARROWING_BASE,
        ["### POST /things (`create_thing`)",
         "- breaking: request field `name`: maxLength 100 → 50 (narrowed input)"],
        MAJOR,
    ),
    "narrowing/narrowed/lower_maximum_on_parameter_ref": (
        NARROWING_BASE, ["- breaking: query parameter `limit`: maximum 200 → 100"], MAJOR,
    ),
    "narrowing/narrowed/new_pattern": (
        NARROWING_BASE,
        ["- breaking: request field `code`: new pattern '^[A-Z]+$' (narrowed input)"],
        MAJOR,
    ),
    "narrowing/widened/higher_maximum_on_parameter_ref": (
        NARROWING_BASE,
        ["- additive: query parameter `limit`: accepts more (maximum 200 → 500)"],
        MINOR,
    ),
    "narrowing/widened/higher_max_length_through_ref": (
        NARROWING_BASE,
        ["- additive: request field `name`: accepts more (maxLength 100 → 200)"],
        MINOR,
    ),
    "review/required_scope_changed": (
        BASE, ["- breaking: required scope none → `widgets:write`"], MAJOR,
    ),
    "review/new_status_code": (BASE, ["- additive: status `409` added"], MINOR),
    "review/response_enum_values": (
        BASE,
        ["- additive: response `200` field `color`: new values ['red', 'green'] (extensible)"],
        MINOR,
    ),
    "review/changed_example": (
        BASE,
        ["- documentation: response `200` field `id`: example changed",
         "Operation functions: 0 added, 0 changed, 0 removed.",
         "Models and fields: 0 added, 0 changed, 0 removed."],
        PATCH,
    ),
}  # fmt: skip


def report_of(name: str, base) -> str:
    return review.report(
        review.yaml.safe_load(base.read_text(encoding="utf-8")),
        review.yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8")),
        "base",
        "head",
    )


def test_every_review_fixture_is_covered():
    assert {f"review/{p.stem}" for p in (FIXTURES / "review").glob("*.yaml")} == {
        name for name in CASES if name.startswith("review/")
    }


@pytest.mark.parametrize(("name", "case"), CASES.items(), ids=list(CASES))
def test_the_report_names_each_change_with_its_mark(name, case):
    base, expected_lines, bump = case
    text = report_of(name, base)
    lines = text.splitlines()
    for expected in expected_lines:
        assert expected in lines, text
    version = lines[lines.index("## Version") + 2]
    assert version.startswith(bump), text
    breaking = sum(line.startswith("- breaking:") for line in lines)
    assert text.count(f"**{breaking} breaking**") == 1
    assert (breaking > 0) == (bump == MAJOR)


def test_an_unchanged_contract_needs_no_release():
    text = report_of("breaking/base", BASE)
    assert "No operation changed." in text
    assert "**none**" in text


def test_make_spec_review_writes_and_prints_one_report(tmp_path):
    out = tmp_path / "review.md"
    result = subprocess.run(
        [sys.executable, "tools/review.py", "--base", "HEAD", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == result.stdout.removesuffix("\n")
    assert result.stdout.startswith("# Contract review\n\nBase: `HEAD`")


def test_an_unknown_base_is_a_clear_error():
    result = subprocess.run(
        [sys.executable, "tools/review.py", "--base", "no-such-ref", "--out", "/dev/null"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "no openapi/openapi.yaml at 'no-such-ref'" in result.stderr
