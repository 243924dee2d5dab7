"""`make bench` in miniature, so the harness cannot rot: real uvicorn servers (the ceiling and
each app flavour) on a tiny seeded database, every workload and phase, a few requests each.
Speed is reported, never asserted: this checks the harness works and the servers answer."""

from __future__ import annotations

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
        assert {(workload, "ceiling"), (workload, "flask"), (workload, "async")} <= main_rows
    stream_status = [row for row in rows if row["workload"] == "stream-status"]
    if stream_status_path() is None:
        assert [row["note"] for row in stream_status] == [NOT_IN_CONTRACT]
    else:
        assert {row["server"] for row in stream_status} == {"flask", "async"}
    # Ratios are computed against the ceiling; the scaling and auth phases ran.
    assert all(row["ratio"] for row in measured if row["server"] in ("flask", "async"))
    sections = {row["section"] for row in rows}
    assert {"main", "auth", "scaling"} <= sections
    assert any("byte-identical" in check for check in result["checks"])
    assert (tmp_path / "smoke.md").read_text().count("| main |") >= 13
