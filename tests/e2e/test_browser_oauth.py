"""Sign in with TRaX in a real browser (Debian's Chromium through Playwright, as the keys
screen's test): a native app's flow with a loopback redirect. The "app" is a one-shot HTTP
listener on 127.0.0.1 and a random port, as RFC 8252 §7.3 describes: it opens the browser at
the authorization URL, the person signs in and allows, the browser lands on the listener with
the code, and the app exchanges it with its PKCE verifier, calls /v1, refreshes, revokes.
Skipped without Chromium, failing instead under TRAX_REQUIRE_ALL_TESTS=1 (CI)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.support.browser import PASSWORD
from tests.support.contract import CONTRACT
from tests.support.oauth import pkce_pair

EMAIL = "grace@example.com"


class _Callback(BaseHTTPRequestHandler):
    received: list[dict[str, str]]

    def do_GET(self) -> None:  # noqa: N802  # http.server's name
        parts = urlsplit(self.path)
        if parts.path == "/callback":  # not the browser's /favicon.ico
            query = parse_qs(parts.query)
            self.received.append({name: values[0] for name, values in query.items()})
        body = b"<!doctype html><title>Signed in</title><p>You can close this window."
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback():
    """The native app's redirect listener: (redirect URI, the queries it received)."""
    received: list[dict[str, str]] = []
    handler = type("Handler", (_Callback,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/callback", received
    server.shutdown()
    server.server_close()


def _v1(origin: str, token: str, path: str) -> httpx.Response:
    response = httpx.get(origin + path, headers={"Authorization": f"Bearer {token}"})
    CONTRACT.check(response)
    return response


def test_a_native_app_signs_in_with_trax(chromium, origin, services, loopback, screenshot_dir):
    account = services.accounts.create("Acme Streaming")
    user = services.users.create(account.id, EMAIL, ["studios:read", "stream:read"], PASSWORD)
    # Registered with the port-less loopback URI: any port matches (RFC 8252 §7.3).
    app = services.oauth.register(
        account.id, "TRaX Desktop", ["http://127.0.0.1/callback"], ["studios:read"],
        confidential=False, user_id=user.id,
    ).client  # fmt: skip
    redirect_uri, received = loopback
    verifier, challenge = pkce_pair()
    authorize = origin + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": app.id, "redirect_uri": redirect_uri,
        "scope": "studios:read", "state": "s-123", "code_challenge": challenge,
        "code_challenge_method": "S256",
    })  # fmt: skip

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(authorize)
    # Not signed in: sign in first, then the consent page.
    assert page.url.startswith(origin + "/sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(origin + "/oauth/authorize?**")
    assert page.get_by_role("heading", name="Allow TRaX Desktop to use TRaX as you?").is_visible()
    assert page.locator(".consent-scopes li").all_inner_texts() == ["See your studios studios:read"]
    page.screenshot(path=str(screenshot_dir / "oauth-consent.png"), full_page=True)
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(redirect_uri + "?**")
    assert page.get_by_text("You can close this window.").is_visible()
    [callback] = received
    assert callback["state"] == "s-123" and "error" not in callback

    # The app exchanges the code with its verifier.
    exchanged = httpx.post(origin + "/oauth/token", data={
        "grant_type": "authorization_code", "code": callback["code"],
        "redirect_uri": redirect_uri, "client_id": app.id, "code_verifier": verifier,
    })  # fmt: skip
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.headers["cache-control"] == "no-store"
    tokens = exchanged.json()
    assert _v1(origin, tokens["access_token"], "/v1/studios").status_code == 200
    assert _v1(origin, tokens["access_token"], "/v1/media").status_code == 403

    refreshed = httpx.post(origin + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": app.id,
    })  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    access = refreshed.json()["access_token"]
    assert _v1(origin, access, "/v1/studios").status_code == 200

    # The person sees the app they authorized.
    page.goto(origin + "/account/apps")
    assert page.locator("tr[data-grant-id]", has_text="TRaX Desktop").count() == 1

    revoked = httpx.post(origin + "/oauth/revoke", data={
        "token": access, "token_type_hint": "access_token", "client_id": app.id,
    })  # fmt: skip
    assert revoked.status_code == 200
    gone = _v1(origin, access, "/v1/studios")
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_key"
    assert errors == []  # nothing refused in the pages (a CSP form-action refusal shows here)
    context.close()
