"""A client generated from the released contract keeps working against the current server.

Within /v1 the server may add response fields and values of extensible enums (openapi/README.md).
The client generated from openapi/released/openapi.yaml must parse everything the current server
sends, and so must a client of an older contract that lacks some of today's fields and values.
Each client is generated into a temporary directory under its own package name and imported
from there, next to the committed `trax_api_client`.
"""

from __future__ import annotations

import copy
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RELEASED = ROOT / "openapi" / "released" / "openapi.yaml"


def generate_client(spec: dict, directory: Path, package: str) -> SimpleNamespace:
    spec_file = directory / "openapi.yaml"
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    config = directory / "config.yaml"
    config.write_text(
        yaml.safe_dump({"package_name_override": package, "post_hooks": []}), encoding="utf-8"
    )
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            bin_dir / "openapi-python-client", "generate", "--path", spec_file,
            "--config", config, "--output-path", directory / package, "--meta", "none",
            "--fail-on-warning",
        ],
        env=dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),
        check=True, capture_output=True,
    )  # fmt: skip
    sys.path.insert(0, str(directory))
    try:
        names = ["", ".api.meta.get_health", ".api.studios.create_studio",
                 ".api.studios.list_studios", ".api.studios.get_studio",
                 ".api.studios.update_studio", ".models", ".types"]  # fmt: skip
        modules = {n: importlib.import_module(package + n) for n in names}
    finally:
        sys.path.remove(str(directory))
    return SimpleNamespace(
        root=modules[""], models=modules[".models"], types=modules[".types"],
        get_health=modules[".api.meta.get_health"],
        create_studio=modules[".api.studios.create_studio"],
        list_studios=modules[".api.studios.list_studios"],
        get_studio=modules[".api.studios.get_studio"],
        update_studio=modules[".api.studios.update_studio"],
    )  # fmt: skip


def forget(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    package = "trax_released_client"
    yield generate_client(
        yaml.safe_load(RELEASED.read_text(encoding="utf-8")),
        tmp_path_factory.mktemp("released-client"),
        package,
    )
    forget(package)


@pytest.fixture(scope="module")
def older(tmp_path_factory):
    """The released contract without `Studio.streamState`, `Health.writeEnabled` and with only
    `live` known among stream states: today's server sends fields and values it never saw."""
    spec = copy.deepcopy(yaml.safe_load(RELEASED.read_text(encoding="utf-8")))
    schemas = spec["components"]["schemas"]
    for schema, field in (("Studio", "streamState"), ("Health", "writeEnabled")):
        del schemas[schema]["properties"][field]
        schemas[schema]["required"].remove(field)
    schemas["StreamState"]["x-extensible-enum"] = ["live"]
    schemas["ErrorDetail"]["properties"]["code"]["x-extensible-enum"] = ["invalid_request"]
    del schemas["ErrorDetail"]["properties"]["requiredScope"]
    _strip_examples(spec)
    package = "trax_older_client"
    yield generate_client(spec, tmp_path_factory.mktemp("older-client"), package)
    forget(package)


def _strip_examples(node):
    """Examples play no part in generation; dropping them keeps the derived contract valid."""
    if isinstance(node, dict):
        for key in ("example", "examples"):
            node.pop(key, None)
        for value in node.values():
            _strip_examples(value)
    elif isinstance(node, list):
        for value in node:
            _strip_examples(value)


def test_the_released_client_works_against_the_current_server(released, live_server, tenant):
    c = released
    with c.root.Client(base_url=live_server) as anonymous:
        health = c.get_health.sync(client=anonymous)
        assert isinstance(health, c.models.Health) and health.status == "ok"
    with c.root.AuthenticatedClient(base_url=live_server, token=tenant.secret) as client:
        made = [
            c.create_studio.sync(client=client, body=c.models.CreateStudioRequest(name=f"S{i}"))
            for i in range(3)
        ]
        assert all(isinstance(s, c.models.Studio) for s in made)
        seen, cursor = [], c.types.UNSET
        while True:
            page = c.list_studios.sync(client=client, limit=2, cursor=cursor)
            assert isinstance(page, c.models.StudioList)
            seen += page.data
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert [s.id for s in seen] == [s.id for s in made]
        updated = c.update_studio.sync(
            client=client, studio_id=made[0].id, body=c.models.UpdateStudioRequest(name="New")
        )
        assert updated.name == "New"
        assert c.get_studio.sync(client=client, studio_id=made[0].id) == updated
        missing = c.get_studio.sync_detailed(client=client, studio_id="studio_nope")
        assert missing.status_code == 404 and missing.parsed.error.code == "not_found"


def test_the_released_client_parses_fields_and_values_added_later(released, live_server, tenant):
    """What a later /v1 server may send: a field the release does not have, a stream state
    and an error code it does not list."""
    headers = {"Authorization": f"Bearer {tenant.secret}"}
    body = httpx.post(f"{live_server}/studios", json={"name": "Future"}, headers=headers).json()
    studio = released.models.Studio.from_dict(
        dict(body, streamState="paused_for_ads", viewerCount=12, health={"bitrateKbps": None})
    )
    assert studio.stream_state == "paused_for_ads"
    assert studio.additional_properties == {"viewerCount": 12, "health": {"bitrateKbps": None}}
    error = released.models.Error.from_dict(
        {"error": {"code": "quota_exceeded", "message": "m", "requestId": "req_1", "limit": 5}}
    )
    assert error.error.code == "quota_exceeded"
    assert error.error.additional_properties == {"limit": 5}


def test_an_older_client_parses_what_the_current_server_sends(
    older, live_server, tenant, make_tenant
):
    c = older
    with c.root.Client(base_url=live_server) as anonymous:
        health = c.get_health.sync(client=anonymous)
    assert health.status == "ok" and health.additional_properties == {"writeEnabled": True}

    with c.root.AuthenticatedClient(base_url=live_server, token=tenant.secret) as client:
        created = c.create_studio.sync(client=client, body=c.models.CreateStudioRequest(name="S"))
        assert isinstance(created, c.models.Studio)
        assert created.additional_properties == {"streamState": "offline"}  # never seen
        page = c.list_studios.sync(client=client)
        assert [s.additional_properties["streamState"] for s in page.data] == ["offline"]

    reader = make_tenant("Reader", scopes=("studios:read",))
    with c.root.AuthenticatedClient(base_url=live_server, token=reader.secret) as client:
        denied = c.create_studio.sync_detailed(
            client=client, body=c.models.CreateStudioRequest(name="S")
        )
    assert denied.status_code == 403
    assert denied.parsed.error.code == "insufficient_scope"  # a code it does not list
    assert denied.parsed.error.additional_properties == {"requiredScope": "studios:write"}
