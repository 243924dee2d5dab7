"""tools/contract.py: the contract's release step and the bookkeeping `make spec-check` checks."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("contract_tool", ROOT / "tools" / "contract.py")
contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(contract)

RELEASED = yaml.safe_load((ROOT / "openapi" / "released" / "openapi.yaml").read_text())["info"][
    "version"
]
_MAJOR, _MINOR, _PATCH = (int(part) for part in RELEASED.split("."))
NEXT_MINOR = f"{_MAJOR}.{_MINOR + 1}.0"
NEXT_PATCH = f"{_MAJOR}.{_MINOR}.{_PATCH + 1}"


def test_the_repository_bookkeeping_agrees():
    assert contract.check() == []


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A copy of openapi/ that the tool works on."""
    shutil.copytree(ROOT / "openapi", tmp_path / "openapi")
    base = tmp_path / "openapi"
    monkeypatch.setattr(contract, "CURRENT", base / "openapi.yaml")
    monkeypatch.setattr(contract, "RELEASED", base / "released" / "openapi.yaml")
    monkeypatch.setattr(contract, "CHANGELOG", base / "CHANGELOG.md")
    monkeypatch.setattr(contract, "CLIENT_CONFIG", base / "client-config.yaml")
    return base


def test_release_bumps_versions_copies_the_contract_and_writes_the_changelog(workspace):
    text = (workspace / "openapi.yaml").read_text()
    new_path = "  /gadgets:\n    get:\n      operationId: list_gadgets\n      responses: {}\n"
    text = text.replace("paths:\n", "paths:\n" + new_path, 1)
    text = text.replace(
        "        autoGoLive:\n          type: boolean\n          description: Whether",
        "        viewerCount:\n          type: integer\n"
        "        autoGoLive:\n          type: boolean\n          description: Whether",
        1,
    )
    (workspace / "openapi.yaml").write_text(text)

    entry = contract.release(NEXT_MINOR, "Gadgets.", dt.date(2027, 1, 2))

    assert entry.startswith(f"## {NEXT_MINOR} (2027-01-02)\n")
    assert "- New operation `list_gadgets` (GET /gadgets)." in entry
    assert "`Studio.viewerCount`" in entry and "- Gadgets." in entry
    current = yaml.safe_load((workspace / "openapi.yaml").read_text())
    assert current["info"]["version"] == NEXT_MINOR
    assert (workspace / "released" / "openapi.yaml").read_text() == (
        workspace / "openapi.yaml"
    ).read_text()
    assert (
        yaml.safe_load((workspace / "client-config.yaml").read_text())["package_version_override"]
        == NEXT_MINOR
    )
    log = (workspace / "CHANGELOG.md").read_text()
    assert log.index(f"## {NEXT_MINOR}") < log.index(f"## {RELEASED}")
    assert contract.check() == []


@pytest.mark.parametrize(
    ("version", "why"),
    [(RELEASED, "not after"), ("0.9.0", "1.x.y"), ("2.0.0", "/v2"), ("1.1", "MAJOR.MINOR")],
)
def test_release_refuses_versions_that_do_not_move_v1_forward(workspace, version, why):
    with pytest.raises(contract.ContractError, match=why):
        contract.release(version, "x", dt.date(2027, 1, 2))
    assert yaml.safe_load((workspace / "openapi.yaml").read_text())["info"]["version"] == RELEASED


def test_release_refuses_an_unchanged_contract_without_a_note(workspace):
    # The working contract as it was last released: nothing to describe.
    shutil.copy(workspace / "released" / "openapi.yaml", workspace / "openapi.yaml")
    with pytest.raises(contract.ContractError, match="nothing changed"):
        contract.release(NEXT_PATCH, None, dt.date(2027, 1, 2))


def test_check_reports_disagreements(workspace):
    config = workspace / "client-config.yaml"
    config.write_text(config.read_text().replace(f"override: {RELEASED}", "override: 0.9.0"))
    log = workspace / "CHANGELOG.md"
    log.write_text(log.read_text().replace(f"## {RELEASED}", "## 0.1.0"))
    problems = contract.check()
    assert any("client is versioned 0.9.0" in p for p in problems)
    assert any("CHANGELOG.md must start" in p for p in problems)
