from __future__ import annotations

import pytest

from server.domain.pagination import encode_cursor
from tests.support.client import ApiClient


def create(api, name="Studio", **fields):
    response = api.post("/v1/studios", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


class TestCrud:
    def test_create_returns_the_studio_and_its_location(self, api):
        response = api.post("/v1/studios", json={"name": "Friday night show"})
        assert response.status_code == 201
        studio = response.json()
        assert studio["id"].startswith("studio_")
        assert studio["name"] == "Friday night show"
        assert studio["autoGoLive"] is False
        assert studio["streamState"] == "offline"
        assert studio["createdAt"] == studio["updatedAt"]
        assert studio["createdAt"].endswith("Z")
        assert response.headers["location"] == f"/v1/studios/{studio['id']}"
        assert api.get(response.headers["location"]).json() == studio

    def test_create_with_auto_go_live(self, api):
        assert create(api, autoGoLive=True)["autoGoLive"] is True

    @pytest.mark.parametrize("name", ["", "   ", "x" * 101])
    def test_rejects_bad_names(self, api, name):
        response = api.post("/v1/studios", json={"name": name})
        assert response.status_code == 400

    def test_patch_changes_only_given_fields(self, api):
        studio = create(api, "Old", autoGoLive=True)
        response = api.patch(f"/v1/studios/{studio['id']}", json={"name": "New"})
        assert response.status_code == 200
        updated = response.json()
        assert updated["name"] == "New" and updated["autoGoLive"] is True
        assert updated["updatedAt"] > studio["updatedAt"]
        assert updated["createdAt"] == studio["createdAt"]
        assert api.get(f"/v1/studios/{studio['id']}").json() == updated

    def test_empty_patch_changes_nothing(self, api):
        studio = create(api)
        assert api.patch(f"/v1/studios/{studio['id']}", json={}).json() == studio

    def test_patch_rejects_null_and_unknown_fields(self, api):
        studio = create(api)
        assert api.patch(f"/v1/studios/{studio['id']}", json={"name": None}).status_code == 400
        assert api.patch(f"/v1/studios/{studio['id']}", json={"id": "x"}).status_code == 400

    def test_unknown_studio(self, api):
        for response in (
            api.get("/v1/studios/studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5"),
            api.patch("/v1/studios/studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5", json={"name": "x"}),
        ):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"


class TestTenantIsolation:
    def test_other_accounts_studios_are_invisible(self, app, api, make_tenant):
        mine = create(api, "Mine")
        bob = ApiClient(app, make_tenant("Bob").secret)
        theirs = create(bob, "Theirs")

        assert [s["id"] for s in api.get("/v1/studios").json()["data"]] == [mine["id"]]
        assert [s["id"] for s in bob.get("/v1/studios").json()["data"]] == [theirs["id"]]
        assert api.get(f"/v1/studios/{theirs['id']}").status_code == 404
        response = api.patch(f"/v1/studios/{theirs['id']}", json={"name": "Hijacked"})
        assert response.status_code == 404
        assert bob.get(f"/v1/studios/{theirs['id']}").json()["name"] == "Theirs"

    def test_a_cursor_does_not_cross_accounts(self, app, api, make_tenant):
        bob = ApiClient(app, make_tenant("Bob").secret)
        bobs = [create(bob, f"b{i}") for i in range(3)]
        mine = [create(api, f"a{i}") for i in range(2)]
        page = api.get("/v1/studios", params={"cursor": encode_cursor(bobs[0]["id"])}).json()
        assert {s["id"] for s in page["data"]} <= {s["id"] for s in mine}


class TestPagination:
    def walk(self, api, **params):
        pages, cursor = [], None
        while True:
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            body = api.get("/v1/studios", params=query).json()
            pages.append(body["data"])
            cursor = body.get("nextCursor")
            if cursor is None:
                assert "nextCursor" not in body
                return pages

    def test_default_limit_is_50_and_order_is_creation_order(self, api):
        ids = [create(api, f"s{i}")["id"] for i in range(51)]
        first = api.get("/v1/studios").json()
        assert [s["id"] for s in first["data"]] == ids[:50]
        assert "nextCursor" in first
        rest = api.get("/v1/studios", params={"cursor": first["nextCursor"]}).json()
        assert [s["id"] for s in rest["data"]] == ids[50:]
        assert "nextCursor" not in rest

    def test_walks_every_item_once(self, api):
        ids = [create(api, f"s{i}")["id"] for i in range(7)]
        pages = self.walk(api, limit=3)
        assert [len(p) for p in pages] == [3, 3, 1]
        assert [s["id"] for page in pages for s in page] == ids

    def test_exact_multiple_has_no_empty_trailing_page(self, api):
        for i in range(4):
            create(api, f"s{i}")
        assert [len(p) for p in self.walk(api, limit=2)] == [2, 2]

    def test_limit_above_200_is_clamped(self, api, services, tenant):
        for i in range(201):
            services.studios.create(tenant.account_id, f"s{i}", False)
        body = api.get("/v1/studios", params={"limit": 1000}).json()
        assert len(body["data"]) == 200 and "nextCursor" in body

    @pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", ""])
    def test_bad_limit(self, api, limit):
        response = api.get("/v1/studios", params={"limit": limit})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"

    @pytest.mark.parametrize(
        "cursor",
        [
            "!!!",
            "abc",
            "dGhpcyBpcyBub3QgYSBjdXJzb3I",  # base64 of prose
            encode_cursor("source_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5"),  # another list's cursor
            "x" * 257,
        ],
    )
    def test_bad_cursor(self, api, cursor):
        response = api.get("/v1/studios", params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"

    def test_empty_cursor_starts_at_the_beginning(self, api):
        studio = create(api)
        assert api.get("/v1/studios", params={"cursor": ""}).json()["data"][0] == studio

    def test_stable_under_inserts(self, api):
        ids = [create(api, f"s{i}")["id"] for i in range(4)]
        first = api.get("/v1/studios", params={"limit": 2}).json()
        ids.append(create(api, "late")["id"])
        rest = self.walk_from(api, first["nextCursor"], limit=2)
        assert [s["id"] for s in first["data"]] + rest == ids

    def test_stable_when_the_cursor_item_is_gone(self, api, services):
        ids = [create(api, f"s{i}")["id"] for i in range(4)]
        first = api.get("/v1/studios", params={"limit": 2}).json()
        with services.engine.begin() as connection:
            from server.storage.models import Studio

            connection.execute(Studio.__table__.delete().where(Studio.id == ids[1]))
        assert self.walk_from(api, first["nextCursor"], limit=2) == ids[2:]

    def walk_from(self, api, cursor, **params):
        ids = []
        while cursor:
            body = api.get("/v1/studios", params={**params, "cursor": cursor}).json()
            ids += [s["id"] for s in body["data"]]
            cursor = body.get("nextCursor")
        return ids


@pytest.mark.parametrize("name", ["tab\there", "line\nbreak", "bell\x07"])
def test_names_refuse_control_characters(api, name):
    assert api.post("/v1/studios", json={"name": name}).status_code == 400


def test_names_keep_unicode(api):
    assert create(api, "Café — 生放送 🎥")["name"] == "Café — 生放送 🎥"
