from __future__ import annotations

import logging

import pytest

from server.domain.clock import utcnow
from server.domain.errors import InvalidRequest
from server.services.ingest_urls import IngestUrlPolicy
from server.services.outbound import OutboundGuard, parse_networks
from server.storage.models import Connection
from tests.support.builders import create_destination, create_studio
from tests.support.client import ApiClient
from tests.support.dns import fake_resolver

SECRET_KEY = "live_9f8e7d6c5b4a-SECRETKEY-Zq1w"


@pytest.fixture
def studio(api):
    return create_studio(api)


def destinations_url(studio) -> str:
    return f"/v1/studios/{studio['id']}/destinations"


class TestIngestUrls:
    policy = IngestUrlPolicy(OutboundGuard(fake_resolver))

    @pytest.mark.parametrize(
        "url",
        [
            "rtmp://relay.example.com/live",
            "rtmps://relay.example.com:443/live/app",
            "RTMP://ingest.example.net:1935/x",
            "rtmp://93.184.215.14/live",
            "rtmp://[64:ff9b::5db8:d70e]/live",  # NAT64 to a public IPv4 address
            "rtmp://[2002:5db8:d70e::1]/live",  # 6to4 of a public IPv4 address
        ],
    )
    def test_public_hosts_pass(self, url):
        assert self.policy.check(url, caller="acct").lower() == url.lower()

    @pytest.mark.parametrize(
        "url",
        [
            "http://relay.example.com/live",  # wrong scheme
            "rtmp:///live",  # no host
            "rtmp://user:pw@relay.example.com/live",  # credentials
            "rtmp://relay.example.com:99999/live",  # bad port
            "rtmp://localhost/live",
            "rtmp://127.0.0.1/live",
            "rtmp://2130706433/live",  # 127.0.0.1 spelled as a number
            "rtmp://0x7f.1/live",  # and in hex shorthand
            "rtmp://[::1]/live",
            "rtmp://10.0.0.8/live",
            "rtmp://192.168.1.1/live",
            "rtmp://169.254.169.254/latest",  # cloud metadata
            "rtmp://[fd00:ec2::254]/live",  # AWS metadata over IPv6
            "rtmp://[::ffff:10.0.0.1]/live",  # IPv4-mapped private
            "rtmp://[64:ff9b::7f00:1]/live",  # NAT64 to loopback
            "rtmp://[64:ff9b::a9fe:a9fe]/live",  # NAT64 to the metadata service
            "rtmp://[64:ff9b:1::5db8:d70e]/live",  # local-use NAT64
            "rtmp://[2002:7f00:1::]/live",  # 6to4 of 127.0.0.1
            "rtmp://[2002:a00:1::1]/live",  # 6to4 of 10.0.0.1
            "rtmp://[::127.0.0.1]/live",  # IPv4-compatible (deprecated)
            "rtmp://[::93.184.215.14]/live",  # IPv4-compatible, even of a public address
            "rtmp://[::ffff:0:127.0.0.1]/live",  # SIIT to loopback
            "rtmp://[fec0::1]/live",  # site-local (deprecated)
            "rtmp://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/live",  # Teredo
            "rtmp://0.0.0.0/live",
            "rtmp://224.0.0.1/live",  # multicast
            "rtmp://internal.example.com/live",  # resolves to a private address
            "rtmp://metadata.example.com/live",
            "rtmp://ula.example.com/live",
            "rtmp://mapped.example.com/live",
            "rtmp://rebind.example.com/live",  # one public and one loopback address
            "rtmp://does-not-resolve.example.org/live",
            "rtmp://Z]x/live",  # not a URL at all
            "rtmp://relay.example.com/li\x1bve",  # control character
        ],
    )
    def test_everything_else_is_refused(self, url):
        with pytest.raises(InvalidRequest):
            self.policy.check(url, caller="acct")

    def test_the_deployment_allow_list_lets_only_its_networks_through(self):
        guard = OutboundGuard(fake_resolver, parse_networks("127.0.0.0/8, ::1/128"))
        policy = IngestUrlPolicy(guard)
        assert (
            policy.check("rtmp://127.0.0.1:1935/live", caller="acct")
            == "rtmp://127.0.0.1:1935/live"
        )
        assert policy.check("rtmp://localhost/live", caller="acct") == "rtmp://localhost/live"
        assert policy.check(
            "rtmp://[::ffff:127.0.0.2]/live", caller="acct"
        )  # mapped into the listed network
        for refused in ("rtmp://10.0.0.8/live", "rtmp://internal.example.com/live"):
            with pytest.raises(InvalidRequest):
                policy.check(refused, caller="acct")

    @pytest.mark.parametrize("text", ["127.0.0.1/8", "loopback", "10.0.0.0/33"])
    def test_a_malformed_allow_list_is_refused_at_start_up(self, text):
        with pytest.raises(ValueError, match="TRAX_OUTBOUND_ALLOWED_NETWORKS"):
            parse_networks(text)


class TestCreate:
    def test_known_platforms_default_their_ingest(self, api, studio):
        assert create_destination(api, studio["id"], "youtube")["rtmpUrl"] == (
            "rtmp://a.rtmp.youtube.com/live2"
        )
        assert create_destination(api, studio["id"], "twitch")["rtmpUrl"] == (
            "rtmp://live.twitch.tv/app"
        )

    @pytest.mark.parametrize("platform", ["custom_rtmp", "linkedin", "kick"])
    def test_other_platforms_need_a_url(self, api, studio, platform):
        response = api.post(destinations_url(studio), json={"platform": platform, "name": "x"})
        assert response.status_code == 400
        created = create_destination(
            api, studio["id"], platform, rtmpUrl="rtmps://relay.example.com:443/live"
        )
        assert created["rtmpUrl"] == "rtmps://relay.example.com:443/live"

    @pytest.mark.parametrize(
        "url",
        ["rtmp://127.0.0.1/live", "rtmp://169.254.169.254/x", "rtmp://internal.example.com/x"],
    )
    def test_internal_urls_are_refused(self, api, studio, url):
        response = api.post(
            destinations_url(studio), json={"platform": "custom_rtmp", "name": "x", "rtmpUrl": url}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"
        assert api.get(destinations_url(studio)).json()["data"] == []

    def test_schema_refuses_non_rtmp_urls(self, api, studio):
        body = {"platform": "custom_rtmp", "name": "x", "rtmpUrl": "https://relay.example.com/"}
        assert api.post(destinations_url(studio), json=body).status_code == 400

    def test_location_and_read_back(self, api, studio):
        response = api.post(destinations_url(studio), json={"platform": "twitch", "name": "T"})
        assert response.status_code == 201
        assert api.get(response.headers["location"]).json() == response.json()

    def test_a_studio_holds_at_most_25_destinations(self, api, studio):
        for _ in range(25):
            create_destination(api, studio["id"])
        response = api.post(destinations_url(studio), json={"platform": "youtube", "name": "x"})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "limit_reached"


class TestStreamKeyIsWriteOnly:
    def test_only_set_flag_and_last_four_are_returned(self, api, studio):
        created = create_destination(api, studio["id"], streamKey=SECRET_KEY)
        assert (created["streamKeySet"], created["streamKeyLast4"]) == (True, "Zq1w")
        url = f"{destinations_url(studio)}/{created['id']}"
        for response in (
            api.get(url),
            api.get(destinations_url(studio)),
            api.patch(url, json={"name": "Renamed"}),
        ):
            assert SECRET_KEY not in response.text and 'streamKey"' not in response.text

    def test_without_a_key(self, api, studio):
        created = create_destination(api, studio["id"])
        assert (created["streamKeySet"], created["streamKeyLast4"]) == (False, None)

    def test_rotate_and_clear(self, api, studio):
        created = create_destination(api, studio["id"], streamKey=SECRET_KEY)
        url = f"{destinations_url(studio)}/{created['id']}"
        rotated = api.patch(url, json={"streamKey": "another-key-ABCD"}).json()
        assert rotated["streamKeyLast4"] == "ABCD"
        cleared = api.patch(url, json={"streamKey": None}).json()
        assert (cleared["streamKeySet"], cleared["streamKeyLast4"]) == (False, None)

    @pytest.mark.parametrize(
        "bad_key",
        [
            SECRET_KEY + " with spaces",
            SECRET_KEY * 20,  # too long
            "short",  # too short
        ],
    )
    def test_invalid_keys_are_never_echoed(self, api, studio, caplog, bad_key):
        with caplog.at_level(logging.DEBUG):
            response = api.post(
                destinations_url(studio),
                json={"platform": "youtube", "name": "x", "streamKey": bad_key},
            )
        assert response.status_code == 400
        assert bad_key[:8] not in response.text
        logged = " ".join(record.getMessage() for record in caplog.records)
        assert bad_key[:8] not in logged

    @pytest.mark.parametrize(
        "bad_key",
        [
            "\x01" + SECRET_KEY,  # escaped in the message, so a text match would miss it
            "\u00e9" + SECRET_KEY,
            [SECRET_KEY],
            {"key": SECRET_KEY},
            12345678901234567890,
        ],
    )
    def test_keys_of_any_shape_are_never_echoed(self, api, studio, bad_key):
        for body in (
            {"platform": "youtube", "name": "x", "streamKey": bad_key},
            {"platform": "youtube", "name": 7, "streamKey": bad_key},  # an error elsewhere
        ):
            response = api.post(destinations_url(studio), json=body)
            assert response.status_code == 400
            for fragment in ("SECRETKEY", "9f8e7d6c", "1234567890"):
                assert fragment not in response.text

    def test_errors_beside_a_key_still_say_what_is_wrong(self, api, studio):
        response = api.post(
            destinations_url(studio),
            json={"platform": "youtube", "name": 7, "streamKey": SECRET_KEY},
        )
        assert response.status_code == 400
        assert "'name'" in response.json()["error"]["message"]
        assert SECRET_KEY[:8] not in response.text

    def test_a_key_never_reaches_the_logs(self, api, studio, caplog):
        with caplog.at_level(logging.DEBUG):
            created = create_destination(api, studio["id"], streamKey=SECRET_KEY)
            api.post(f"/v1/studios/{studio['id']}/go-live")
            api.patch(
                f"{destinations_url(studio)}/{created['id']}", json={"streamKey": SECRET_KEY + "2"}
            )
            api.post(f"/v1/studios/{studio['id']}/go-offline")
        assert all(SECRET_KEY not in record.getMessage() for record in caplog.records)


class TestConnections:
    @pytest.fixture
    def connection(self, services, tenant):
        with services.engine.begin() as db:
            db.execute(
                Connection.__table__.insert().values(
                    id="conn_01JDQ3D1E2F3G4H5J6K7M8N9P0",
                    account_id=tenant.account_id,
                    platform="twitch",
                    handle="alice_live",
                    status="active",
                    linked_at=utcnow(),
                )
            )
        return "conn_01JDQ3D1E2F3G4H5J6K7M8N9P0"

    def test_same_platform_connection_is_accepted(self, api, studio, connection):
        created = create_destination(api, studio["id"], "twitch", connectionId=connection)
        assert created["connectionId"] == connection
        url = f"{destinations_url(studio)}/{created['id']}"
        assert api.patch(url, json={"connectionId": None}).json()["connectionId"] is None

    def test_other_platform_connection_is_refused(self, api, studio, connection):
        body = {"platform": "youtube", "name": "x", "connectionId": connection}
        assert api.post(destinations_url(studio), json=body).status_code == 400

    def test_another_accounts_connection_is_refused(self, app, make_tenant, connection):
        bob = ApiClient(app, make_tenant("Bob").secret)
        studio = create_studio(bob)
        body = {"platform": "twitch", "name": "x", "connectionId": connection}
        assert bob.post(destinations_url(studio), json=body).status_code == 400

    def test_unknown_connection_is_refused(self, api, studio):
        body = {"platform": "twitch", "name": "x", "connectionId": "conn_nope"}
        assert api.post(destinations_url(studio), json=body).status_code == 400


def test_update_fields(api, studio):
    created = create_destination(
        api, studio["id"], "custom_rtmp", rtmpUrl="rtmp://relay.example.com/a"
    )
    url = f"{destinations_url(studio)}/{created['id']}"
    updated = api.patch(
        url, json={"name": "Relay 2", "rtmpUrl": "rtmps://ingest.example.net/b", "enabled": False}
    ).json()
    assert (updated["name"], updated["rtmpUrl"], updated["enabled"]) == (
        "Relay 2", "rtmps://ingest.example.net/b", False,
    )  # fmt: skip
    assert api.patch(url, json={"rtmpUrl": "rtmp://10.0.0.1/x"}).status_code == 400
    assert api.patch(url, json={"platform": "twitch"}).status_code == 400
    assert api.get(url).json() == updated


def test_delete(api, studio):
    created = create_destination(api, studio["id"])
    url = f"{destinations_url(studio)}/{created['id']}"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_tenant_isolation(app, api, make_tenant, studio):
    created = create_destination(api, studio["id"], streamKey=SECRET_KEY)
    bob = ApiClient(app, make_tenant("Bob").secret)
    url = f"{destinations_url(studio)}/{created['id']}"
    assert bob.get(url).status_code == 404
    assert bob.patch(url, json={"enabled": False}).status_code == 404
    assert bob.delete(url).status_code == 404
    assert bob.get(destinations_url(studio)).status_code == 404
    assert api.get(url).json()["enabled"] is True


def test_write_flag(read_only_app, api, tenant, studio):
    created = create_destination(api, studio["id"])
    read_only = ApiClient(read_only_app, tenant.secret)
    url = f"{destinations_url(studio)}/{created['id']}"
    assert (
        read_only.post(
            destinations_url(studio), json={"platform": "youtube", "name": "x"}
        ).status_code
        == 503
    )  # noqa: E501
    assert read_only.patch(url, json={"enabled": False}).status_code == 503
    assert read_only.delete(url).status_code == 503
    assert read_only.get(url).json() == created
