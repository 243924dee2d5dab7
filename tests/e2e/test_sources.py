from __future__ import annotations

import re

import pytest

from tests.support.builders import create_source, create_studio
from tests.support.client import ApiClient

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HOST = "ingest-dev.traxstreaming.live"


@pytest.fixture
def studio(api):
    return create_studio(api)


@pytest.mark.parametrize(
    ("kind", "urls"),
    [
        ("rtmp", [("rtmp", f"rtmp://{HOST}:1935/{{path}}"), ("rtmps", f"rtmps://{HOST}:1936/{{path}}")]),
        ("srt", [("srt", f"srt://{HOST}:8890?streamid=publish:{{path}}")]),
        ("whip", [("whip", f"https://{HOST}:8889/{{path}}/whip")]),
    ],
)  # fmt: skip
def test_network_kinds_get_server_generated_ingest(api, studio, kind, urls):
    source = create_source(api, studio["id"], kind=kind)
    path = source["ingest"]["streamPath"]
    assert re.fullmatch(rf"inputs/{kind}-{UUID}", path)
    assert [(e["protocol"], e["url"]) for e in source["ingest"]["endpoints"]] == [
        (protocol, url.format(path=path)) for protocol, url in urls
    ]
    assert source["status"] == "idle" and source["enabled"] is True
    assert source["studioId"] == studio["id"] and source["id"].startswith("source_")


def test_stream_paths_are_unique(api, studio):
    paths = {create_source(api, studio["id"])["ingest"]["streamPath"] for _ in range(5)}
    assert len(paths) == 5


def test_create_returns_location_and_get_reads_it_back(api, studio):
    response = api.post(f"/v1/studios/{studio['id']}/sources", json={"kind": "srt", "name": "S"})
    assert response.status_code == 201
    assert api.get(response.headers["location"]).json() == response.json()


def test_unknown_kind_is_refused(api, studio):
    for kind in ("ndi", "RTMP", ""):
        response = api.post(f"/v1/studios/{studio['id']}/sources", json={"kind": kind, "name": "x"})
        assert response.status_code == 400


def test_update_name_and_enabled_but_never_kind_or_ingest(api, studio):
    source = create_source(api, studio["id"])
    url = f"/v1/studios/{studio['id']}/sources/{source['id']}"
    updated = api.patch(url, json={"name": "Wide", "enabled": False}).json()
    assert (updated["name"], updated["enabled"]) == ("Wide", False)
    assert updated["ingest"] == source["ingest"]
    assert api.patch(url, json={"kind": "srt"}).status_code == 400
    assert api.patch(url, json={"ingest": {}}).status_code == 400


def test_delete(api, studio):
    source = create_source(api, studio["id"])
    url = f"/v1/studios/{studio['id']}/sources/{source['id']}"
    response = api.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404


def test_list_is_paginated_per_studio(api, studio):
    other = create_studio(api, "Other")
    ids = [create_source(api, studio["id"], name=f"s{i}")["id"] for i in range(3)]
    create_source(api, other["id"])
    first = api.get(f"/v1/studios/{studio['id']}/sources", params={"limit": 2}).json()
    second = api.get(
        f"/v1/studios/{studio['id']}/sources", params={"limit": 2, "cursor": first["nextCursor"]}
    ).json()
    assert [s["id"] for s in first["data"] + second["data"]] == ids
    assert "nextCursor" not in second


def test_a_studio_holds_at_most_25_sources(api, studio):
    for i in range(25):
        create_source(api, studio["id"], name=f"s{i}")
    response = api.post(f"/v1/studios/{studio['id']}/sources", json={"kind": "rtmp", "name": "x"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "limit_reached"


def test_tenant_isolation(app, api, make_tenant, studio):
    source = create_source(api, studio["id"])
    bob = ApiClient(app, make_tenant("Bob").secret)
    bobs_studio = create_studio(bob)
    url = f"/v1/studios/{studio['id']}/sources/{source['id']}"
    assert bob.get(url).status_code == 404
    assert bob.patch(url, json={"name": "x"}).status_code == 404
    assert bob.delete(url).status_code == 404
    assert bob.get(f"/v1/studios/{studio['id']}/sources").status_code == 404
    assert (
        bob.post(
            f"/v1/studios/{studio['id']}/sources", json={"kind": "rtmp", "name": "x"}
        ).status_code
        == 404
    )  # noqa: E501
    # Bob's own studio id with Alice's source id is not a way in either.
    assert bob.get(f"/v1/studios/{bobs_studio['id']}/sources/{source['id']}").status_code == 404
    assert api.get(url).json()["name"] == source["name"]


def test_scopes(app, studio, make_tenant):
    reader = ApiClient(app, make_tenant("R", scopes=("sources:read",)).secret)
    response = reader.post(
        f"/v1/studios/{studio['id']}/sources", json={"kind": "rtmp", "name": "x"}
    )
    assert response.json()["error"]["requiredScope"] == "sources:write"
    other = ApiClient(app, make_tenant("S", scopes=("studios:read",)).secret)
    assert other.get(f"/v1/studios/{studio['id']}/sources").json()["error"]["requiredScope"] == (
        "sources:read"
    )


def test_write_flag(read_only_app, api, tenant, studio):
    source = create_source(api, studio["id"])
    read_only = ApiClient(read_only_app, tenant.secret)
    url = f"/v1/studios/{studio['id']}/sources"
    assert read_only.post(url, json={"kind": "rtmp", "name": "x"}).status_code == 503
    assert read_only.patch(f"{url}/{source['id']}", json={"name": "y"}).status_code == 503
    assert read_only.delete(f"{url}/{source['id']}").status_code == 503
    assert [s["id"] for s in read_only.get(url).json()["data"]] == [source["id"]]
    assert read_only.get(f"{url}/{source['id']}").json()["name"] == source["name"]


class TestMediaSources:
    @pytest.fixture
    def asset(self, api):
        response = api.post(
            "/v1/media", json={"filename": "intro.mp4", "contentType": "video/mp4", "size": 1024}
        )
        assert response.status_code == 201, response.text
        return response.json()

    def test_plays_an_asset_of_the_library(self, api, studio, asset):
        source = create_source(api, studio["id"], kind="media", name="Intro", mediaId=asset["id"])
        assert (source["kind"], source["mediaId"], source["ingest"]) == (
            "media", asset["id"], None,
        )  # fmt: skip
        url = f"/v1/studios/{studio['id']}/sources/{source['id']}"
        assert api.get(url).json() == source

    @pytest.mark.parametrize(
        "body",
        [
            {"kind": "media", "name": "x"},  # no asset
            {"kind": "rtmp", "name": "x", "mediaId": "media_01JDQ3B4C5D6E7F8G9H0J1K2M3"},
            {"kind": "media", "name": "x", "mediaId": "media_01JDQ3B4C5D6E7F8G9H0J1K2M3"},
        ],
    )
    def test_refuses_a_missing_or_misplaced_asset(self, api, studio, body):
        response = api.post(f"/v1/studios/{studio['id']}/sources", json=body)
        assert response.status_code == 400
        assert api.get(f"/v1/studios/{studio['id']}/sources").json()["data"] == []

    def test_refuses_another_accounts_asset(self, app, make_tenant, asset):
        bob = ApiClient(app, make_tenant("Bob").secret)
        bobs_studio = create_studio(bob)
        body = {"kind": "media", "name": "x", "mediaId": asset["id"]}
        assert bob.post(f"/v1/studios/{bobs_studio['id']}/sources", json=body).status_code == 400

    def test_refuses_a_failed_or_expired_asset(self, api, studio, asset, services):
        from server.storage.models import MediaAsset

        for status in ("failed", "expired"):
            with services.engine.begin() as db:
                db.execute(MediaAsset.__table__.update().values(status=status))
            body = {"kind": "media", "name": "x", "mediaId": asset["id"]}
            response = api.post(f"/v1/studios/{studio['id']}/sources", json=body)
            assert response.status_code == 400
