from __future__ import annotations

from datetime import timedelta

import pytest

from server.chat.adapters import TransientDeliveryError
from server.domain.clock import utcnow
from server.handlers.shaping import timestamp
from tests.support.builders import create_destination, create_studio
from tests.support.client import ApiClient


@pytest.fixture
def link(services, tenant):
    def link(platform="twitch", handle="alice_live", account_id=None):
        return services.connections.link(account_id or tenant.account_id, platform, handle).id

    return link


@pytest.fixture
def studio(api):
    return create_studio(api)


def chat_url(studio) -> str:
    return f"/v1/studios/{studio['id']}/chat/messages"


class TestConnections:
    def test_list_is_per_account_and_paginated(self, app, api, link, make_tenant, services):
        ids = [link("twitch", "a"), link("youtube", "b"), link("kick", "c")]
        bob = make_tenant("Bob")
        services.connections.link(bob.account_id, "twitch", "bob")
        first = api.get("/v1/connections", params={"limit": 2}).json()
        rest = api.get("/v1/connections", params={"cursor": first["nextCursor"]}).json()
        listed = first["data"] + rest["data"]
        assert [c["id"] for c in listed] == ids
        assert listed[0] == {
            "id": ids[0],
            "platform": "twitch",
            "accountName": "a",
            "status": "active",
            "linkedAt": listed[0]["linkedAt"],
        }

    def test_unlink_detaches_destinations_which_keep_streaming(self, api, link, studio, services):
        connection = link("twitch")
        destination = create_destination(
            api, studio["id"], "twitch", streamKey="twitch-key-1", connectionId=connection
        )
        api.post(f"/v1/studios/{studio['id']}/go-live")
        response = api.delete(f"/v1/connections/{connection}")
        assert response.status_code == 204
        after = api.get(f"/v1/studios/{studio['id']}/destinations/{destination['id']}").json()
        assert after["connectionId"] is None and after["streamKeySet"] is True
        status = api.get(f"/v1/studios/{studio['id']}/stream-status").json()
        assert status["destinations"][0]["status"] == "live"
        assert api.get("/v1/connections").json()["data"] == []
        assert api.delete(f"/v1/connections/{connection}").status_code == 404

    def test_another_accounts_connection_is_not_found(self, app, link, make_tenant):
        connection = link()
        bob = ApiClient(app, make_tenant("Bob").secret)
        assert bob.delete(f"/v1/connections/{connection}").status_code == 404
        assert bob.get("/v1/connections").json()["data"] == []

    def test_unlink_honours_the_write_flag(self, read_only_app, tenant, link, api):
        connection = link()
        read_only = ApiClient(read_only_app, tenant.secret)
        assert read_only.delete(f"/v1/connections/{connection}").status_code == 503
        assert len(api.get("/v1/connections").json()["data"]) == 1


class TestSending:
    @pytest.fixture
    def platforms(self, api, link, studio):
        twitch = link("twitch")
        youtube = link("youtube", "alice_yt")
        for platform, connection in (("twitch", twitch), ("youtube", youtube)):
            create_destination(
                api, studio["id"], platform, streamKey=f"{platform}-key", connectionId=connection
            )
        # Same connection twice: one delivery. Disabled, unlinked and chat-less: none.
        create_destination(api, studio["id"], "twitch", connectionId=twitch)
        create_destination(api, studio["id"], "twitch", enabled=False, connectionId=link("twitch"))
        create_destination(api, studio["id"], "facebook")
        create_destination(api, studio["id"], "custom_rtmp", rtmpUrl="rtmp://relay.example.com/x")
        return {"twitch": twitch, "youtube": youtube}

    def test_fans_out_once_per_linked_chat_platform(self, api, studio, platforms, services):
        response = api.post(chat_url(studio), json={"text": "Thanks for watching!"})
        assert response.status_code == 201
        message = response.json()
        assert message["direction"] == "outbound" and message["platform"] is None
        assert message["author"] == {"name": "Alice"}
        assert sorted((d["platform"], d["connectionId"], d["status"], d["reason"])
                      for d in message["deliveries"]) == [
            ("twitch", platforms["twitch"], "sent", None),
            ("youtube", platforms["youtube"], "sent", None),
        ]  # fmt: skip
        recorded = services.chat_adapter.recorded()
        assert sorted(r.platform for r in recorded) == ["twitch", "youtube"]
        assert {r.text for r in recorded} == {"Thanks for watching!"}

    def test_a_platform_limit_fails_only_that_delivery(self, api, studio, platforms, services):
        text = "x" * 300  # over YouTube's 200, within Twitch's 500
        message = api.post(chat_url(studio), json={"text": text}).json()
        by_platform = {d["platform"]: d for d in message["deliveries"]}
        assert by_platform["twitch"]["status"] == "sent"
        assert (by_platform["youtube"]["status"], by_platform["youtube"]["reason"]) == (
            "failed", "text_too_long",
        )  # fmt: skip
        assert [r.platform for r in services.chat_adapter.recorded()] == ["twitch"]

    @pytest.mark.parametrize("text", ["", "   ", "\n\t", "x" * 501, "bell\x07"])
    def test_invalid_text(self, api, studio, text):
        assert api.post(chat_url(studio), json={"text": text}).status_code == 400
        assert api.get(chat_url(studio)).json()["data"] == []

    def test_transient_failures_are_retried_without_duplicates(
        self, api, studio, platforms, services, monkeypatch
    ):
        adapter = services.chat_adapter
        real_send = adapter.send

        def flaky(delivery):
            raise TransientDeliveryError("platform timed out")

        monkeypatch.setattr(adapter, "send", flaky)
        message = api.post(chat_url(studio), json={"text": "hello"}).json()
        assert {d["status"] for d in message["deliveries"]} == {"accepted"}
        assert adapter.recorded() == []

        monkeypatch.setattr(adapter, "send", real_send)
        assert services.chat.deliver_pending() == 2
        assert services.chat.deliver_pending() == 0
        assert len(adapter.recorded()) == 2
        listed = api.get(chat_url(studio)).json()["data"][0]
        assert {d["status"] for d in listed["deliveries"]} == {"sent"}

    def test_a_crash_after_storing_loses_nothing(
        self, api, studio, platforms, services, monkeypatch
    ):
        # The process "dies" before delivering: the outbox rows were committed with the message.
        monkeypatch.setattr(services.chat, "deliver", lambda delivery_id: None)
        message = api.post(chat_url(studio), json={"text": "survives"}).json()
        assert {d["status"] for d in message["deliveries"]} == {"accepted"}
        monkeypatch.undo()
        assert services.chat.deliver_pending() == 2
        assert len(services.chat_adapter.recorded()) == 2

    def test_a_crash_after_posting_does_not_post_twice(self, api, studio, platforms, services):
        message = api.post(chat_url(studio), json={"text": "once"}).json()
        assert {d["status"] for d in message["deliveries"]} == {"sent"}
        # Replaying a delivery (as a worker would after dying before recording "sent") is a no-op.
        for entry in services.chat_adapter.recorded():
            services.chat_adapter.send(
                type("D", (), {"delivery_id": entry.outbox_id, "platform": entry.platform,
                               "connection_id": entry.connection_id, "text": entry.text})()
            )  # fmt: skip
        assert len(services.chat_adapter.recorded()) == 2

    def test_studio_without_chat_targets_stores_the_message(self, api, studio):
        message = api.post(chat_url(studio), json={"text": "just us"}).json()
        assert message["deliveries"] == []
        assert api.get(chat_url(studio)).json()["data"] == [message]


class TestReading:
    def test_inbound_messages_are_listed_once(self, api, studio, services, tenant, link):
        connection = link("twitch")
        for _ in range(2):  # the platform delivers the same message twice
            services.chat.receive(
                tenant.account_id, studio["id"], connection,
                author="viewer42", text="Hi!", platform_message_id="tw-1",
            )  # fmt: skip
        data = api.get(chat_url(studio)).json()["data"]
        assert len(data) == 1
        assert (data[0]["direction"], data[0]["platform"], data[0]["author"]["name"]) == (
            "inbound", "twitch", "viewer42",
        )  # fmt: skip
        assert data[0]["deliveries"] == []

    def test_oldest_first_with_cursor_and_since(self, api, studio):
        sent = [api.post(chat_url(studio), json={"text": f"m{i}"}).json() for i in range(5)]
        page = api.get(chat_url(studio), params={"limit": 3}).json()
        rest = api.get(chat_url(studio), params={"limit": 3, "cursor": page["nextCursor"]}).json()
        assert [m["id"] for m in page["data"] + rest["data"]] == [m["id"] for m in sent]

        since = api.get(chat_url(studio), params={"since": sent[3]["createdAt"]}).json()["data"]
        assert {sent[3]["id"], sent[4]["id"]} <= {m["id"] for m in since}  # inclusive
        assert all(m["createdAt"] >= sent[3]["createdAt"] for m in since)
        future = timestamp(utcnow() + timedelta(minutes=1))
        assert api.get(chat_url(studio), params={"since": future}).json()["data"] == []

    @pytest.mark.parametrize("since", ["yesterday", "2026-11-21T19:05:00", "2026-13-01T00:00:00Z"])
    def test_bad_since(self, api, studio, since):
        assert api.get(chat_url(studio), params={"since": since}).status_code == 400

    def test_tenant_isolation_and_scopes(self, app, api, studio, make_tenant):
        api.post(chat_url(studio), json={"text": "private"})
        bob = ApiClient(app, make_tenant("Bob").secret)
        assert bob.get(chat_url(studio)).status_code == 404
        assert bob.post(chat_url(studio), json={"text": "x"}).status_code == 404
        reader = ApiClient(app, make_tenant("R", scopes=("chat:read",)).secret)
        denied = reader.post(chat_url(studio), json={"text": "x"})
        assert denied.json()["error"]["requiredScope"] == "chat:send"

    def test_sending_honours_the_write_flag(self, read_only_app, tenant, studio, api):
        read_only = ApiClient(read_only_app, tenant.secret)
        assert read_only.post(chat_url(studio), json={"text": "x"}).status_code == 503
        assert api.get(chat_url(studio)).json()["data"] == []
