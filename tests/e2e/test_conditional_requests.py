"""ETag, If-Match and If-None-Match on every single resource (issue 16): the ETag moves with
every change (the ORM's and the Core UPDATEs'), a stale If-Match is 412 and changes nothing, a
current If-None-Match is 304 without a body, and the lost-update scenario through the
generated client."""

from __future__ import annotations

import pytest
from trax_api_client import AuthenticatedClient
from trax_api_client.api.destinations import get_destination, update_destination
from trax_api_client.models import Destination, Error, UpdateDestinationRequest

from tests.support.builders import create_destination, create_source, create_studio


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["requestId"] == response.headers["X-Request-Id"]


@pytest.fixture
def resources(api, services, tenant):
    """(path of a single resource, a PATCH body or None, DELETE allowed) for every kind."""
    studio = create_studio(api)
    source = create_source(api, studio["id"])
    destination = create_destination(api, studio["id"], streamKey="live-key-0001")
    webhook = api.post("/v1/webhooks", json={"url": "https://hooks.example.com/trax"})
    assert webhook.status_code == 201, webhook.text
    media = api.post(
        "/v1/media", json={"filename": "a.mp4", "contentType": "video/mp4", "size": 10}
    ).json()
    base = f"/v1/studios/{studio['id']}"
    return [
        (base, {"name": "Renamed"}, False),
        (f"{base}/sources/{source['id']}", {"name": "Renamed"}, True),
        (f"{base}/destinations/{destination['id']}", {"name": "Renamed"}, True),
        (f"/v1/webhooks/{webhook.json()['id']}", {"description": "Renamed"}, True),
        (f"/v1/media/{media['id']}", None, False),
    ]


def test_every_single_resource_has_an_etag_that_moves_with_each_change(api, resources):
    for path, change, deletable in resources:
        read = api.get(path)
        etag = read.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"')
        not_modified = api.get(path, headers={"If-None-Match": etag})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified.headers["ETag"] == etag
        assert "X-Request-Id" in not_modified.headers
        assert api.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
        assert api.get(path, headers={"If-None-Match": '"nope"'}).status_code == 200
        if change is None:
            continue
        stale = api.patch(path, json=change, headers={"If-Match": '"999"'})
        assert_refused(stale, 412, "precondition_failed")
        assert api.get(path).content == read.content  # nothing changed
        weak = api.patch(path, json=change, headers={"If-Match": f"W/{etag}"})
        assert_refused(weak, 412, "precondition_failed")  # If-Match compares strongly
        changed = api.patch(path, json=change, headers={"If-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        assert api.get(path).headers["ETag"] == changed.headers["ETag"]
        assert api.get(path, headers={"If-None-Match": etag}).status_code == 200
        if deletable:
            assert_refused(api.delete(path, headers={"If-Match": etag}), 412, "precondition_failed")
            assert api.get(path).status_code == 200
            assert (
                api.delete(path, headers={"If-Match": changed.headers["ETag"]}).status_code == 204
            )
            assert api.get(path).status_code == 404


def test_without_the_headers_nothing_changes(api):
    studio = create_studio(api)
    path = f"/v1/studios/{studio['id']}"
    assert api.patch(path, json={"name": "A"}).status_code == 200
    assert api.patch(path, json={"name": "B"}).json()["name"] == "B"
    assert api.get(path, headers={"If-Match": '"999"'}).status_code == 200  # only on writes


def test_a_malformed_condition_matches_nothing(api):
    """Not an ETag the server issued: If-Match fails (412, nothing written, never a silent
    unconditional write) and If-None-Match lets the 200 through."""
    studio = create_studio(api)
    path = f"/v1/studios/{studio['id']}"
    etag = api.get(path).headers["ETag"]
    assert api.get(path, headers={"If-None-Match": etag.strip('"')}).status_code == 200
    for malformed in (etag.strip('"'), f"{etag}, junk", "0"):
        refused = api.patch(path, json={"name": "A"}, headers={"If-Match": malformed})
        assert_refused(refused, 412, "precondition_failed")
    assert api.get(path).json()["name"] == studio["name"]


def test_star_matches_any_current_version(api):
    studio = create_studio(api)
    path = f"/v1/studios/{studio['id']}"
    assert api.patch(path, json={"name": "A"}, headers={"If-Match": "*"}).status_code == 200
    assert api.get(path, headers={"If-None-Match": "*"}).status_code == 304


def test_go_live_and_go_offline_take_if_match_on_the_studio(api, services):
    studio = create_studio(api)
    create_destination(api, studio["id"], streamKey="live-key-0001")
    path = f"/v1/studios/{studio['id']}"
    etag = api.get(path).headers["ETag"]
    api.patch(path, json={"autoGoLive": True})  # someone else changed the studio
    assert_refused(
        api.post(f"{path}/go-live", headers={"If-Match": etag}), 412, "precondition_failed"
    )
    assert api.get(f"{path}/stream-status").json()["state"] == "offline"
    assert services.stream.transitions(_account(services, studio["id"]), studio["id"]) == []
    current = api.get(path).headers["ETag"]
    live = api.post(f"{path}/go-live", headers={"If-Match": current})
    assert live.status_code == 200
    # The stream state is part of the studio: the transitions moved its ETag.
    after = api.get(path)
    assert after.headers["ETag"] != current and after.json()["streamState"] == live.json()["state"]
    assert_refused(
        api.post(f"{path}/go-offline", headers={"If-Match": current}), 412, "precondition_failed"
    )
    assert (
        api.post(f"{path}/go-offline", headers={"If-Match": after.headers["ETag"]}).status_code
        == 200
    )


def _account(services, studio_id: str) -> str:
    from sqlalchemy import select

    from server.storage.models import Studio

    with services.engine.connect() as connection:
        return connection.execute(
            select(Studio.account_id).where(Studio.id == studio_id)
        ).scalar_one()


def test_an_ingest_status_change_moves_the_sources_etag(api, services):
    studio = create_studio(api)
    source = create_source(api, studio["id"])
    path = f"/v1/studios/{studio['id']}/sources/{source['id']}"
    etag = api.get(path).headers["ETag"]
    with services.unit_of_work() as uow:  # what the ingest does when a publisher connects
        from server.domain.clock import utcnow

        uow.sources.set_status(source["id"], "connected", utcnow())
        uow.commit()
    read = api.get(path, headers={"If-None-Match": etag})
    assert read.status_code == 200 and read.json()["status"] == "connected"
    assert_refused(
        api.patch(path, json={"name": "X"}, headers={"If-Match": etag}), 412, "precondition_failed"
    )


def test_deleting_a_connection_takes_if_match(api, services, tenant):
    connection = services.connections.link(tenant.account_id, "twitch", "alice_live").id
    assert_refused(
        api.delete(f"/v1/connections/{connection}", headers={"If-Match": '"2"'}),
        412,
        "precondition_failed",
    )
    assert (
        api.delete(f"/v1/connections/{connection}", headers={"If-Match": '"1"'}).status_code == 204
    )


def test_the_lost_update_is_refused_through_the_generated_client(live_server, api, tenant):
    """Two tools read the same destination and both PATCH with the ETag they read: one wins,
    the other gets 412, re-reads and then succeeds on top of the winner's change."""
    studio = create_studio(api)
    made = create_destination(api, studio["id"], streamKey="live-key-0001")
    with (
        AuthenticatedClient(base_url=live_server, token=tenant.secret) as alice,
        AuthenticatedClient(base_url=live_server, token=tenant.secret) as bob,
    ):
        read_a = get_destination.sync_detailed(studio["id"], made["id"], client=alice)
        read_b = get_destination.sync_detailed(studio["id"], made["id"], client=bob)
        etag_a, etag_b = read_a.headers["ETag"], read_b.headers["ETag"]
        assert etag_a == etag_b

        won = update_destination.sync_detailed(
            studio["id"],
            made["id"],
            client=alice,
            body=UpdateDestinationRequest(name="Alice's name"),
            if_match=etag_a,
        )
        assert won.status_code == 200 and isinstance(won.parsed, Destination)
        lost = update_destination.sync_detailed(
            studio["id"],
            made["id"],
            client=bob,
            body=UpdateDestinationRequest(enabled=False),
            if_match=etag_b,
        )
        assert lost.status_code == 412 and isinstance(lost.parsed, Error)
        assert lost.parsed.error.code == "precondition_failed"
        assert lost.parsed.error.request_id == lost.headers["X-Request-Id"]

        stale_read = get_destination.sync_detailed(
            studio["id"], made["id"], client=bob, if_none_match=etag_b
        )
        assert stale_read.status_code == 200  # not 304: the destination moved on
        reread = get_destination.sync_detailed(studio["id"], made["id"], client=bob)
        assert isinstance(reread.parsed, Destination) and reread.parsed.name == "Alice's name"
        retried = update_destination.sync_detailed(
            studio["id"],
            made["id"],
            client=bob,
            body=UpdateDestinationRequest(enabled=False),
            if_match=reread.headers["ETag"],
        )
        assert retried.status_code == 200 and isinstance(retried.parsed, Destination)
        assert retried.parsed.name == "Alice's name" and retried.parsed.enabled is False
