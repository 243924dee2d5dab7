"""`trax apps …`: operators register, list and delete Sign in with TRaX apps, --json."""

from __future__ import annotations

from tests.e2e.test_cli import trax  # noqa: F401  # the fixture


def test_apps_create_list_delete(trax, services):  # noqa: F811
    account = trax("accounts", "create", "--name", "Scripted")
    public = trax(
        "apps", "create", "--account", account["id"], "--name", "Desktop",
        "--redirect-uri", "http://127.0.0.1/callback", "--scope", "studios:read",
    )  # fmt: skip
    assert public["clientId"].startswith("app_") and public["type"] == "public"
    assert public["clientSecret"] is None
    assert public["redirectUris"] == ["http://127.0.0.1/callback"]
    confidential = trax(
        "apps", "create", "--account", account["id"], "--name", "Server", "--confidential",
        "--redirect-uri", "https://app.example.com/cb", "--scope", "all",
    )  # fmt: skip
    assert confidential["clientSecret"].startswith("tcs_")
    client = services.oauth.get_client(confidential["clientId"])
    assert services.oauth.check_client_secret(client, confidential["clientSecret"])
    listed = trax("apps", "list", "--account", account["id"])["apps"]
    assert [a["clientId"] for a in listed] == [confidential["clientId"], public["clientId"]]
    assert all("clientSecret" not in a for a in listed)
    deleted = trax("apps", "delete", public["clientId"])
    assert deleted["deletedAt"] is not None
    assert services.oauth.get_client(public["clientId"]) is None


def test_apps_create_refuses_bad_redirect_uris_as_json(trax):  # noqa: F811
    account = trax("accounts", "create", "--name", "Scripted")
    for uri in ("http://example.com/cb", "https://app.example.com/cb#frag", "not a uri"):
        failed = trax(
            "apps", "create", "--account", account["id"], "--name", "Bad",
            "--redirect-uri", uri, "--scope", "studios:read", expect_exit=1,
        )  # fmt: skip
        assert "redirect URI" in failed["error"], failed
    assert trax("apps", "delete", "app_nope", expect_exit=1)["error"] == "no app app_nope"
