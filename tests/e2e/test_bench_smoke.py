"""`make bench` in miniature, so the harness cannot rot: real uvicorn servers (the ceiling and
the server under each event loop) on a tiny seeded database, every workload and phase, a few
requests each. Speed is reported, never asserted: this checks the harness works and the
servers answer."""

from __future__ import annotations

from pathlib import Path

from bench.run import NOT_IN_CONTRACT, main, stream_status_path


def test_the_bench_harness_runs_end_to_end(tmp_path):
    result = main(["--smoke", "--output-dir", str(tmp_path)])
    rows = result["rows"]
    measured = [row for row in rows if row["requests"]]
    # Every measurement got answers, and only the answers its workload expects.
    assert measured and all(row["unexpected"] == 0 for row in measured), [
        row for row in measured if row["unexpected"]
    ]
    main_rows = {(row["workload"], row["server"]) for row in rows if row["section"] == "main"}
    for workload in ("list", "get", "create", "unauthorized"):
        assert {(workload, "ceiling"), (workload, "uvloop"), (workload, "asyncio")} <= main_rows
    stream_status = [row for row in rows if row["workload"] == "stream-status"]
    if stream_status_path() is None:
        assert [row["note"] for row in stream_status] == [NOT_IN_CONTRACT]
    else:
        assert {row["server"] for row in stream_status} == {"ceiling", "uvloop", "asyncio"}
    # Ratios are computed against the ceiling; the scaling and auth phases ran.
    assert all(row["ratio"] for row in measured if row["server"] in ("uvloop", "asyncio"))
    sections = {row["section"] for row in rows}
    assert {"main", "auth", "scaling"} <= sections
    assert any("byte-identical" in check for check in result["checks"])
    assert (tmp_path / "smoke.md").read_text().count("| main |") >= 13


def test_every_lever_variant_builds_a_working_app(tmp_path):
    """bench/variant_app.py (the levers that are not settings) still builds an app that
    answers; the full lever runs are in `make bench`, too slow for the suite."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "from starlette.testclient import TestClient\n"
        "from bench.variant_app import app, LEVERS, KNOWN\n"
        "assert LEVERS == KNOWN, LEVERS\n"
        "with TestClient(app) as client:\n"
        "    answer = client.get('/v1/health')\n"
        "print(answer.status_code, answer.text)\n"
    )
    database = tmp_path / "variant.db"
    env = {
        **os.environ,
        "BENCH_LEVERS": "pretty_json,sqlite_synchronous_normal,no_operation_cache,"
        "no_validator_cache,no_telemetry,no_request_log,orm_reads,threaded_handlers,no_gc_freeze,stdlib_json,"
        "no_names_cache,no_swagger_ui_path,no_bodiless_plan,no_content_type_cache,core_execution,"
        "no_parameter_plan,no_body_definition_cache,threaded_errors,no_parsed_body,core_insert,ping_every_checkout",
        "TRAX_DATABASE_URL": f"sqlite:///{database}",
        "TRAX_KEY_HASH_SECRET": "variant",
        "TRAX_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    status, body = done.stdout.strip().split(" ", 1)
    # indent=2 shows: the lever really changed the app.
    assert status == "200" and json.loads(body)["status"] == "ok" and "\n  " in body
