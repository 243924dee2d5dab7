"""The README's section on the Python client works as written, against a live server."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_HOSTS = ("https://api-dev.traxstreaming.live/v1", "http://127.0.0.1:8000/v1")


def client_section_code() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## The Python client\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 4, "the client section lost its examples"
    return blocks


def test_the_readme_client_examples_run_as_written(live_server, tenant, monkeypatch, capsys):
    monkeypatch.setenv("TRAX_API_KEY", tenant.secret)
    headers = {"Authorization": f"Bearer {tenant.secret}"}
    earlier = [f"Earlier show {i}" for i in range(5)]
    for name in earlier:
        assert httpx.post(f"{live_server}/studios", json={"name": name}, headers=headers).is_success

    namespace: dict = {}
    try:
        for block in client_section_code():
            for host in DOCUMENTED_HOSTS:
                block = block.replace(host, live_server)
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    finally:
        if "client" in namespace:
            namespace["client"].get_httpx_client().close()

    assert namespace["studio"].name == "Friday night show"
    assert namespace["every_name"] == [*earlier, "Friday night show"]
    assert namespace["error"].code == "not_found"
    assert namespace["health"].status == "ok"
    printed = capsys.readouterr().out
    assert f"no such studio; request {namespace['error'].request_id}" in printed


def test_the_paging_helper_walks_every_page_and_raises_the_envelope(live_server, tenant):
    helper: dict = {}
    source = client_section_code()[1].rsplit("\nevery_name", 1)[0]  # the helper, not its use
    exec(compile(source, str(README), "exec"), helper)  # noqa: S102
    from trax_api_client import AuthenticatedClient
    from trax_api_client.api.studios import create_studio, list_studios
    from trax_api_client.models import CreateStudioRequest

    with AuthenticatedClient(base_url=live_server, token=tenant.secret) as client:
        made = [
            create_studio.sync(client=client, body=CreateStudioRequest(name=f"S{i}")).id
            for i in range(7)
        ]
        pages = []
        original = list_studios.sync_detailed

        def counting(**kwargs):
            pages.append(kwargs["cursor"])
            return original(**kwargs)

        class CountingListStudios:
            sync_detailed = staticmethod(counting)

        walked = [s.id for s in helper["iterate"](CountingListStudios, client, limit=3)]
        assert walked == made
        assert len(pages) == 3  # 3 + 3 + 1

    with AuthenticatedClient(base_url=live_server, token="sk_live_nope") as bad:
        try:
            list(helper["iterate"](list_studios, bad))
        except helper["TraxApiError"] as raised:
            assert raised.status_code == 401 and raised.code == "invalid_key"
        else:
            raise AssertionError("a 401 page did not raise")
