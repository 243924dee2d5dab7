"""The operator CLI, driven the way scripts drive it: --json output, one object per command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from server.cli import main
from tests.conftest import TEST_KEY_HASH_SECRET
from tests.support.client import ApiClient


@pytest.fixture
def trax(settings, services):
    runner = CliRunner()
    env = {"TRAX_DATABASE_URL": settings.database_url, "TRAX_KEY_HASH_SECRET": TEST_KEY_HASH_SECRET}

    def run(*args: str, expect_exit: int = 0) -> dict:
        result = runner.invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
        assert result.exit_code == expect_exit, result.output
        return json.loads(result.output)

    return run


def test_account_and_key_lifecycle(trax, app):
    account = trax("accounts", "create", "--name", "Scripted")
    assert account["id"].startswith("acct_")

    key = trax(
        "keys", "create", "--account", account["id"], "--name", "ci",
        "--scope", "studios:read", "--scope", "studios:write", "--expires-in-days", "30",
    )  # fmt: skip
    assert key["secret"].startswith("sk_live_") and key["prefix"] == key["secret"][:12]
    assert key["scopes"] == ["studios:read", "studios:write"]
    assert key["expiresAt"] is not None

    api = ApiClient(app, key["secret"])
    assert api.post("/v1/studios", json={"name": "From CLI key"}).status_code == 201

    listed = trax("keys", "list", "--account", account["id"])["keys"]
    assert [k["id"] for k in listed] == [key["id"]]
    assert "secret" not in listed[0] and listed[0]["lastUsedAt"] is not None
    assert listed[0]["revokedAt"] is None

    revoked = trax("keys", "revoke", key["id"])
    assert revoked["revokedAt"] is not None
    assert api.get("/v1/studios").status_code == 401


def test_all_scopes_shorthand(trax):
    account = trax("accounts", "create", "--name", "Everything")
    key = trax("keys", "create", "--account", account["id"], "--name", "k", "--scope", "all")
    assert "webhooks:manage" in key["scopes"] and len(key["scopes"]) == 15


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "create", "--account", "acct_nope", "--name", "k", "--scope", "studios:read"),
        ("keys", "revoke", "key_nope"),
        ("accounts", "create", "--name", "   "),
    ],
)
def test_errors_are_reported_as_json_with_a_failing_exit(trax, args):
    assert "error" in trax(*args, expect_exit=1)


def test_unknown_scope_is_refused(trax):
    account = trax("accounts", "create", "--name", "Typo")
    result = trax(
        "keys", "create", "--account", account["id"], "--name", "k", "--scope", "studio:read",
        expect_exit=1,
    )  # fmt: skip
    assert "unknown scope" in result["error"]


def test_demo_setup_prints_a_secret_only_the_first_time(trax, app):
    first = trax("demo", "setup")
    assert first["created"] is True and first["secret"].startswith("sk_live_")
    assert ApiClient(app, first["secret"]).get("/v1/studios").status_code == 200
    second = trax("demo", "setup")
    assert second == {"accountId": first["accountId"], "created": False}


def test_db_upgrade_is_idempotent(trax):
    assert trax("db", "upgrade") == {"upgraded": True}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_the_api(settings, services, tmp_path):
    port = free_port()
    env = dict(
        os.environ,
        TRAX_DATABASE_URL=settings.database_url,
        TRAX_KEY_HASH_SECRET=TEST_KEY_HASH_SECRET,
        PUBLIC_API_WRITE_ENABLED="1",
    )
    trax_bin = Path(sys.executable).parent / "trax"
    process = subprocess.Popen(
        [trax_bin, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/health")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "trax serve did not come up"
                time.sleep(0.1)
        assert response.json() == {"status": "ok", "writeEnabled": True}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_link_a_connection_and_hand_over_inbound_chat(trax, app):
    account = trax("accounts", "create", "--name", "Streamer")
    key = trax("keys", "create", "--account", account["id"], "--name", "k", "--scope", "all")
    connection = trax(
        "connections", "link", "--account", account["id"], "--platform", "twitch",
        "--handle", "streamer_tv",
    )  # fmt: skip
    assert connection["id"].startswith("conn_") and connection["accountName"] == "streamer_tv"
    assert "error" in trax(
        "connections", "link", "--account", account["id"], "--platform", "myspace",
        "--handle", "x", expect_exit=1,
    )  # fmt: skip

    api = ApiClient(app, key["secret"])
    assert [c["id"] for c in api.get("/v1/connections").json()["data"]] == [connection["id"]]
    studio = api.post("/v1/studios", json={"name": "Chatty"}).json()
    args = (
        "chat", "receive", "--account", account["id"], "--studio", studio["id"],
        "--connection", connection["id"], "--author", "fan", "--text", "hi",
        "--platform-message-id", "tw-9",
    )  # fmt: skip
    first, again = trax(*args), trax(*args)
    assert first == again and first["platform"] == "twitch"
    messages = api.get(f"/v1/studios/{studio['id']}/chat/messages").json()["data"]
    assert [(m["id"], m["text"]) for m in messages] == [(first["id"], "hi")]
    assert trax("chat", "deliver") == {"attempted": 0}


def test_accounts_get_an_owner_whose_keys_the_cli_makes(trax):
    account = trax("accounts", "create", "--name", "Owned", "--owner-email", "Boss@Example.com")
    (owner,) = trax("users", "list", "--account", account["id"])["users"]
    assert owner["id"] == account["ownerUserId"]
    assert owner["email"] == "boss@example.com" and owner["owner"] is True
    assert len(owner["scopes"]) == 15 and owner["passwordSet"] is False
    key = trax("keys", "create", "--account", account["id"], "--name", "k", "--scope", "all")
    assert key["userId"] == owner["id"]


def test_users_create_scopes_password_and_deactivate(trax, app, settings):
    account = trax("accounts", "create", "--name", "People")
    user = trax(
        "users", "create", "--account", account["id"], "--email", "dev@example.com",
        "--scope", "studios:read", "--scope", "studios:write",
    )  # fmt: skip
    assert user["scopes"] == ["studios:read", "studios:write"] and len(user["password"]) >= 20
    assert trax(
        "users", "create", "--account", account["id"], "--email", "dev@example.com",
        "--scope", "studios:read", expect_exit=1,
    )["error"]  # fmt: skip
    assert (
        "unknown scope"
        in trax("users", "scopes", user["id"], "--scope", "x", expect_exit=1)["error"]
    )
    narrowed = trax("users", "scopes", user["id"], "--scope", "studios:read")
    assert narrowed["scopes"] == ["studios:read"]
    assert trax("users", "deactivate", user["id"])["active"] is False
    assert trax("users", "activate", user["id"])["active"] is True
    assert trax("users", "set-email", user["id"], "--email", "dev2@example.com")["email"] == (
        "dev2@example.com"
    )
    assert "password" in trax("users", "set-password", user["id"])


def test_passwords_can_come_from_standard_input(settings, services):
    runner = CliRunner()
    env = {"TRAX_DATABASE_URL": settings.database_url, "TRAX_KEY_HASH_SECRET": TEST_KEY_HASH_SECRET}
    account = services.accounts.create("Stdin")
    result = runner.invoke(
        main,
        ["users", "create", "--account", account.id, "--email", "in@example.com",
         "--scope", "all", "--password-stdin", "--json"],
        input="a long enough password\n", env=env, catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert "password" not in created and "a long enough password" not in result.output
    assert (
        services.users.verify_password("in@example.com", "a long enough password").id
        == (created["id"])
    )
    short = runner.invoke(
        main,
        ["users", "set-password", created["id"], "--password-stdin", "--json"],
        input="short\n", env=env, catch_exceptions=False,
    )  # fmt: skip
    assert short.exit_code == 1 and "at least 12" in json.loads(short.output)["error"]


def test_demo_setup_prints_the_demo_user_once(trax, services):
    first = trax("demo", "setup")
    assert first["email"] == "demo@trax.local"
    assert first["keysUrl"] == "http://127.0.0.1:8000/account/api-keys"
    assert services.users.verify_password(first["email"], first["password"]).is_owner
    assert "password" not in trax("demo", "setup")
