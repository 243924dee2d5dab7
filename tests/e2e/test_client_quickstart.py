"""docs/quickstarts/python.md works as written, against a live server: its code blocks run in
order with the documented host replaced by the test server's."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "quickstarts" / "python.md"
DOCUMENTED_HOST = "https://api-dev.traxstreaming.live/v1"


def test_the_python_quickstart_runs_as_written(
    live_server, tenant, make_tenant, monkeypatch, capsys
):
    reader = make_tenant("Reader", scopes=("studios:read",))
    monkeypatch.setenv("TRAX_API_KEY", tenant.secret)
    monkeypatch.setenv("TRAX_READ_ONLY_KEY", reader.secret)
    headers = {"Authorization": f"Bearer {tenant.secret}"}
    for i in range(3):
        assert httpx.post(f"{live_server}/studios", json={"name": f"S{i}"}, headers=headers)
    blocks = re.findall(r"```python\n(.*?)```", QUICKSTART.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 4, "the quickstart lost its examples"

    namespace: dict = {}
    try:
        for block in blocks:
            assert DOCUMENTED_HOST in block or "base_url" not in block
            # limit=2: the three studios made above and the quickstart's take two pages.
            code = block.replace(DOCUMENTED_HOST, live_server).replace("limit=100", "limit=2")
            exec(compile(code, str(QUICKSTART), "exec"), namespace)  # noqa: S102
    finally:
        for name in ("client", "read_only"):
            if name in namespace:
                namespace[name].get_httpx_client().close()

    studio = namespace["studio"]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] in (f"studio {studio.id}: starting", f"studio {studio.id}: live")
    assert printed[1] == "studios: S0, S1, S2, Friday night show"
    assert re.fullmatch(r"403 insufficient_scope: .+ \(request req_\w+\)", printed[2]), printed
    status = httpx.get(f"{live_server}/studios/{studio.id}/stream-status", headers=headers)
    assert status.json()["state"] in ("starting", "live")
