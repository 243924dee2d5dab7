"""The Developer / API Keys screen in a real browser: Debian's Chromium driven by Playwright
(no browser is downloaded). Skipped without Chromium, and failing instead under
TRAX_REQUIRE_ALL_TESTS=1 (CI).

It also takes the README's screenshots: into TRAX_SCREENSHOT_DIR when set (`make screenshots`
writes docs/screenshots/), else into the test's temporary directory."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from server.storage.models import ApiKey
from tests.support.browser import PASSWORD
from tests.support.contract import CONTRACT

EMAIL = "ada@example.com"


@pytest.fixture
def ada(services):
    """A developer of an account, holding a few scopes, with two older keys to show."""
    account = services.accounts.create("Acme Streaming")
    user = services.users.create(
        account.id,
        EMAIL,
        ["studios:read", "studios:write", "sources:read", "stream:read", "chat:read"],
        PASSWORD,
    )
    old = services.api_keys.create(account.id, "Old laptop", ["studios:read"], user_id=user.id)
    services.api_keys.revoke(old.key.id)
    nightly = services.api_keys.create(
        account.id, "Nightly report", ["studios:read", "stream:read"], 7, user_id=user.id
    )
    with services.engine.begin() as connection:
        connection.execute(
            update(ApiKey)
            .where(ApiKey.id == nightly.key.id)
            .values(expires_at=datetime.now(UTC) - timedelta(days=2))
        )
    return user


def _v1(origin: str, secret: str, method: str, path: str, **kwargs) -> httpx.Response:
    response = httpx.request(
        method, origin + path, headers={"Authorization": f"Bearer {secret}"}, **kwargs
    )
    CONTRACT.check(response)
    return response


def test_sign_in_create_use_revoke_sign_out(chromium, origin, ada, screenshot_dir):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    # The screen is closed until sign-in; sign in with the keyboard only.
    page.goto(origin + "/account/api-keys")
    assert page.url.startswith(origin + "/sign-in")
    # The email field takes the focus by itself (autofocus); typing before it has would lose
    # the first characters on a busy machine.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'email'")
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(origin + "/account/api-keys")
    assert page.get_by_role("heading", name="API keys").is_visible()
    # Only the scopes Ada holds are offered.
    offered = page.locator('input[name="scopes"]').evaluate_all("els => els.map(e => e.value)")
    assert offered == ["studios:read", "studios:write", "sources:read", "stream:read", "chat:read"]

    page.get_by_label("Name").fill("CI deploys")
    page.check('input[value="studios:read"]')
    page.check('input[value="studios:write"]')
    page.select_option("#expiry", "90")
    page.get_by_role("button", name="Create key").click()
    page.wait_for_url(origin + "/account/api-keys/new")
    secret = page.locator("#secret").inner_text().strip()
    assert re.fullmatch(r"sk_live_[A-Za-z0-9]{40}", secret)
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("The key is on your clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.screenshot(path=str(screenshot_dir / "api-key-secret.png"), full_page=True)

    # Reloading the page never shows the secret again.
    page.reload()
    assert page.url == origin + "/account/api-keys"
    assert page.locator("#secret").count() == 0
    assert secret not in page.content()
    assert page.get_by_text("shown only once").is_visible()
    row = page.locator("tr", has_text="CI deploys")
    assert row.locator(".last-used").inner_text().strip() == "never"
    assert row.locator(".prefix").inner_text() == secret[:12] + "…"

    # The key works where its scopes allow, and only there.
    assert _v1(origin, secret, "GET", "/v1/studios").status_code == 200
    refused = _v1(origin, secret, "GET", "/v1/media")
    assert refused.status_code == 403
    assert refused.json()["error"]["requiredScope"] == "media:read"

    page.reload()
    row = page.locator("tr", has_text="CI deploys")
    assert row.locator(".last-used time").inner_text() == "just now"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row.locator(".last-used .exact").inner_text()
    )
    assert [b.text_content() for b in page.locator(".badge").all()] == [
        "active",
        "expired",
        "revoked",
    ]
    page.screenshot(path=str(screenshot_dir / "api-keys-list.png"), full_page=True)

    # Revoke asks first, then the key answers 401.
    row.get_by_role("link", name="Revoke").click()
    assert page.get_by_role("heading", name="Revoke “CI deploys”?").is_visible()
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url(origin + "/account/api-keys")
    assert page.locator("tr", has_text="CI deploys").locator(".badge").text_content() == "revoked"
    gone = _v1(origin, secret, "GET", "/v1/studios")
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_key"

    # Signing out closes the screen.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(origin + "/sign-in")
    page.goto(origin + "/account/api-keys")
    assert page.url.startswith(origin + "/sign-in")
    assert errors == []  # nothing broke in the page (CSP refusals would show here)
    context.close()


def test_the_screen_works_at_phone_width(chromium, origin, ada, screenshot_dir):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(origin + "/sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(origin + "/account/api-keys")
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "api-keys-list-phone.png"), full_page=True)
    context.close()
