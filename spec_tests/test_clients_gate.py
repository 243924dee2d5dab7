"""The client-generation gate (tools/clients.py, run by `make spec-check`) on its own terms:
the allowlist of generator warnings is explained, unknown warnings fail, and a machine without
Java gets a message that says what to install."""

from __future__ import annotations

import os
import subprocess
import sys

from spec_tests.support import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import clients  # noqa: E402


def test_every_accepted_warning_has_a_reason_and_known_generators():
    entries = clients.load_accepted()
    assert entries
    for entry in entries:
        assert len(entry["reason"].split()) >= 10, entry
        assert set(entry["generators"]) <= clients.LANGUAGES.keys(), entry


def test_a_warning_nobody_accepted_fails_and_an_accepted_one_is_counted():
    accepted = clients.load_accepted()
    unaccepted, counts = clients.triage(
        "swift6",
        [
            "Error (reserved word) cannot be used as model name. Renamed to ModelError",
            "Failed to get the schema name: null",
        ],
        accepted,
    )
    assert unaccepted == ["Failed to get the schema name: null"]
    assert sum(counts.values()) == 1
    # Accepted for one generator is not accepted for another.
    unaccepted, _ = clients.triage(
        "kotlin",
        ["Error (reserved word) cannot be used as model name. Renamed to ModelError"],
        accepted,
    )
    assert len(unaccepted) == 1


def test_operation_names_follow_the_generators():
    assert clients.camel_case("list_studios") == "listStudios"
    assert clients.camel_case("redeliver_webhook_event") == "redeliverWebhookEvent"


def test_without_java_the_gate_says_what_to_install(tmp_path):
    result = subprocess.run(
        [sys.executable, "tools/clients.py", "check", "--out", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "`java` is not on PATH" in result.stderr
    assert "openjdk-17-jre-headless" in result.stderr
