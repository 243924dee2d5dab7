"""The Developer / API Keys screen over HTTP: sign-in, CSRF, scopes a user holds, ownership,
sessions, throttling, and what user changes do to the keys they made."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from server.app import create_app
from server.services.container import Services
from server.storage.models import UserSession
from tests.support.client import ApiClient
from tests.support.web import KEYS_PATH, Person, WebClient, csrf_token

PASSWORD = "correct horse battery staple"
HELD = ("studios:read", "studios:write", "sources:read")


@pytest.fixture
def make_person(services):
    def make(scopes=HELD, name="Acme") -> Person:
        account = services.accounts.create(name)
        email = f"dev-{secrets.token_hex(4)}@example.com"
        user = services.users.create(account.id, email, list(scopes), PASSWORD)
        return Person(account.id, user.id, email, PASSWORD)

    return make


@pytest.fixture
def person(make_person) -> Person:
    return make_person()


@pytest.fixture
def browser(app) -> WebClient:
    return WebClient(app)


@pytest.fixture
def signed_in(browser, person) -> WebClient:
    response = browser.sign_in(person.email, person.password)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == KEYS_PATH
    return browser


def _key_ids(services, person) -> list[str]:
    return [k.id for k in services.api_keys.list_for_user(person.account_id, person.user_id)]


def test_the_keys_screen_needs_a_sign_in(browser):
    response = browser.get(KEYS_PATH)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/sign-in?next=/account/api-keys")


def test_sign_in_sets_a_careful_cookie_and_a_new_session(browser, person, services):
    before = browser.get("/sign-in")
    assert before.status_code == 200
    anonymous_cookie = browser.http.cookies.get("trax_session")
    response = browser.sign_in(person.email, person.password)
    assert response.status_code == 303
    set_cookie = response.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Secure" not in set_cookie  # http: no TRAX_PUBLIC_BASE_URL with https
    assert browser.http.cookies.get("trax_session") != anonymous_cookie
    page = browser.get(KEYS_PATH)
    assert page.status_code == 200
    assert person.email in page.text and "Create a key" in page.text
    headers = page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    # A second sign-in (another browser) gets a session of its own.
    other = WebClient(browser.http.app)
    other.sign_in(person.email, person.password)
    assert other.http.cookies.get("trax_session") != browser.http.cookies.get("trax_session")


def test_the_cookie_is_secure_when_the_public_url_is_https(settings, services, person):
    app = create_app(replace(settings, public_base_url="https://api.example.com"), services)
    browser = WebClient(app)
    browser.http.base_url = "https://testserver"
    response = browser.sign_in(person.email, person.password)
    assert response.status_code == 303, response.text
    assert "Secure" in response.headers["set-cookie"]


def test_sign_in_errors_do_not_tell_whether_the_email_exists(browser, person):
    wrong_password = browser.sign_in(person.email, "not the password at all")
    unknown_email = browser.sign_in("nobody-here@example.com", person.password)
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = "That email and password do not match an account."
    assert message in wrong_password.text and message in unknown_email.text
    assert browser.get(KEYS_PATH).status_code == 302


def test_create_a_key_see_it_once_and_use_it(signed_in, app, services, person):
    response = signed_in.create_key("CI", ["studios:read", "studios:write"], expiry="30")
    assert response.status_code == 303
    assert response.headers["location"] == KEYS_PATH + "/new"
    page = signed_in.get(KEYS_PATH + "/new")
    assert page.headers["cache-control"] == "no-store"
    secret = re.search(r"(sk_live_[A-Za-z0-9]{40})", page.text).group(1)
    # Shown once: the same page again redirects to the list with a notice, without it.
    again = signed_in.get(KEYS_PATH + "/new")
    assert again.status_code == 303 and again.headers["location"] == KEYS_PATH
    listing = signed_in.get(KEYS_PATH)
    assert secret not in listing.text and "shown only once" in listing.text
    assert secret[:12] + "…" in listing.text

    api = ApiClient(app, secret)
    assert api.get("/v1/studios").status_code == 200
    assert api.post("/v1/studios", json={"name": "From the screen"}).status_code == 201
    refused = api.get("/v1/media")
    assert refused.status_code == 403
    assert refused.json()["error"]["requiredScope"] == "media:read"

    (key,) = services.api_keys.list_for_user(person.account_id, person.user_id)
    assert key.scopes.split() == ["studios:read", "studios:write"]
    assert key.expires_at is not None
    assert timedelta(days=29) < key.expires_at - datetime.now(UTC) <= timedelta(days=30)


def test_expiry_on_a_date_and_refused_dates(signed_in, services, person):
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    assert (
        signed_in.create_key("Dated", ["studios:read"], "date", day.isoformat()).status_code == 303
    )
    (key,) = services.api_keys.list_for_user(person.account_id, person.user_id)
    assert key.expires_at == datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    response = signed_in.create_key("Past", ["studios:read"], "date", past)
    assert response.status_code == 400 and "Pick a date after today." in response.text
    missing = signed_in.create_key("No date", ["studios:read"], "date", "")
    assert missing.status_code == 400
    assert signed_in.create_key("", ["studios:read"]).status_code == 400
    assert signed_in.create_key("No scopes", []).status_code == 400
    assert len(_key_ids(services, person)) == 1


def test_only_held_scopes_are_offered_and_a_forged_form_is_refused(signed_in, services, person):
    page = signed_in.get(KEYS_PATH).text
    assert 'value="studios:write"' in page and 'value="media:write"' not in page
    response = signed_in.create_key("Greedy", ["studios:read", "media:write"])
    assert response.status_code == 403
    assert "you can only grant scopes you hold" in response.text
    assert "media:write" in response.text
    unknown = signed_in.create_key("Odd", ["studios:fly"])
    assert unknown.status_code == 400 and "unknown scope" in unknown.text
    assert _key_ids(services, person) == []


def test_posts_without_the_right_csrf_token_change_nothing(signed_in, services, person):
    fields = {"name": "x", "expiry": "never", "scopes": "studios:read"}
    missing = signed_in.post(KEYS_PATH, data=fields)
    wrong = signed_in.post(KEYS_PATH, data={**fields, "csrf_token": "forged"})
    for response in (missing, wrong):
        assert response.status_code == 400
        assert "did not come from this site" in response.text
    assert _key_ids(services, person) == []
    # Revoke and sign-out are refused the same way.
    signed_in.create_key("Keep", ["studios:read"])
    (key_id,) = _key_ids(services, person)
    assert signed_in.post(f"{KEYS_PATH}/{key_id}/revoke", data={}).status_code == 400
    assert signed_in.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert signed_in.get(KEYS_PATH).status_code == 200
    (key,) = services.api_keys.list_for_user(person.account_id, person.user_id)
    assert key.revoked_at is None


def test_revoke_asks_then_the_key_answers_401(signed_in, app, services, person):
    signed_in.create_key("Short-lived", ["studios:read"])
    secret = signed_in.created_secret()
    (key_id,) = _key_ids(services, person)
    confirm = signed_in.get(f"{KEYS_PATH}/{key_id}/revoke")
    assert confirm.status_code == 200 and "Revoke key" in confirm.text
    assert ApiClient(app, secret).get("/v1/studios").status_code == 200
    response = signed_in.form_post(confirm.url.path, f"{KEYS_PATH}/{key_id}/revoke", {})
    assert response.status_code == 303
    listing = signed_in.get(KEYS_PATH).text
    assert "badge-revoked" in listing and "is revoked" in listing
    refused = ApiClient(app, secret).get("/v1/studios")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_key"


def test_another_accounts_key_is_not_found(signed_in, app, services, make_tenant):
    other = make_tenant("Someone else")
    for response in (
        signed_in.get(f"{KEYS_PATH}/{other.key_id}/revoke"),
        signed_in.form_post(KEYS_PATH, f"{KEYS_PATH}/{other.key_id}/revoke", {}),
        signed_in.get(f"{KEYS_PATH}/key_nope/revoke"),
    ):
        assert response.status_code == 404
    assert other.key_id not in signed_in.get(KEYS_PATH).text
    assert ApiClient(app, other.secret).get("/v1/studios").status_code == 200


def test_an_expired_session_closes_the_screen(signed_in, services):
    assert signed_in.get(KEYS_PATH).status_code == 200
    with services.engine.begin() as connection:
        connection.execute(
            update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = signed_in.get(KEYS_PATH)
    assert response.status_code == 302 and response.headers["location"].startswith("/sign-in")


def test_sign_out_ends_the_session_on_the_server(signed_in):
    cookie = signed_in.http.cookies.get("trax_session")
    page = signed_in.get(KEYS_PATH)
    response = signed_in.post("/sign-out", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert signed_in.get(KEYS_PATH).status_code == 302
    # Replaying the old cookie does not bring the session back.
    replay = WebClient(signed_in.http.app)
    replay.http.cookies.set("trax_session", cookie)
    assert replay.get(KEYS_PATH).status_code == 302


def test_sign_in_is_throttled_per_email_and_per_address(settings, services, person, make_person):
    app = create_app(replace(settings, sign_in_burst=2, sign_in_per_minute=1), services)
    browser = WebClient(app)
    assert browser.sign_in(person.email, "wrong password one").status_code == 401
    assert browser.sign_in(person.email, "wrong password two").status_code == 401
    throttled = browser.sign_in(person.email, person.password)  # even the right password
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in throttled.text
    assert browser.get(KEYS_PATH).status_code == 302
    # Other emails from the same address have a larger bucket (4x), which runs out too.
    others = [make_person(name=f"Other {i}") for i in range(7)]
    statuses = [browser.sign_in(p.email, "wrong password").status_code for p in others]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429


def test_reducing_a_users_scopes_shrinks_their_keys(signed_in, app, services, person):
    signed_in.create_key("Writer", ["studios:read", "studios:write"])
    secret = signed_in.created_secret()
    api = ApiClient(app, secret)
    assert api.post("/v1/studios", json={"name": "Before"}).status_code == 201
    services.users.set_scopes(person.user_id, ["studios:read"])
    refused = api.post("/v1/studios", json={"name": "After"})
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        **refused.json()["error"],
        "code": "insufficient_scope",
        "requiredScope": "studios:write",
    }
    assert api.get("/v1/studios").status_code == 200
    # The screen offers only what is held now; giving the scope back restores the key.
    assert 'value="studios:write"' not in signed_in.get(KEYS_PATH).text
    services.users.set_scopes(person.user_id, list(HELD))
    assert api.post("/v1/studios", json={"name": "Again"}).status_code == 201


def test_scope_changes_reach_cached_keys_at_once_in_the_same_process(settings, person):
    cached = Services.build(replace(settings, auth_cache_seconds=60))
    try:
        created = cached.api_keys.create(
            person.account_id, "cached", ["studios:read", "studios:write"], user_id=person.user_id
        )
        assert "studios:write" in cached.api_keys.authenticate(created.secret).scopes
        cached.users.set_scopes(person.user_id, ["studios:read"])
        assert cached.api_keys.authenticate(created.secret).scopes == {"studios:read"}
        cached.users.set_active(person.user_id, False)
        with pytest.raises(Exception, match="invalid|revoked|expired"):
            cached.api_keys.authenticate(created.secret)
    finally:
        cached.close()


def test_a_deactivated_users_keys_fail_and_they_cannot_sign_in(signed_in, app, services, person):
    signed_in.create_key("Soon gone", ["studios:read"])
    secret = signed_in.created_secret()
    assert ApiClient(app, secret).get("/v1/studios").status_code == 200
    services.users.set_active(person.user_id, False)
    refused = ApiClient(app, secret).get("/v1/studios")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_key"
    assert signed_in.get(KEYS_PATH).status_code == 302
    fresh = WebClient(signed_in.http.app)
    assert fresh.sign_in(person.email, person.password).status_code == 401
    services.users.set_active(person.user_id, True)
    assert ApiClient(app, secret).get("/v1/studios").status_code == 200


def test_v1_responses_carry_no_session_cookie(signed_in, api):
    response = api.get("/v1/studios", cookies=dict(signed_in.http.cookies))
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert "cookie" not in response.headers.get("vary", "").lower()


def test_a_database_outage_is_a_clear_503_page(browser, services, person, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(services.users, "verify_password", unreachable)
    response = browser.sign_in(person.email, person.password)
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "cannot reach its database" in response.text
    assert PASSWORD not in response.text


def test_a_scope_change_made_elsewhere_is_seen_within_the_auth_cache_bound(services, person):
    from functools import partial

    from server.services.api_keys import ApiKeyService, AuthCache
    from server.services.unit_of_work import UnitOfWork
    from server.storage.database import make_session_factory
    from tests.conftest import TEST_KEY_HASH_SECRET

    now = [1000.0]
    # "This process": its own auth cache of 5 s on a clock the test moves.
    worker = ApiKeyService(
        partial(UnitOfWork, make_session_factory(services.engine)),
        TEST_KEY_HASH_SECRET,
        cache=AuthCache(5, clock=lambda: now[0]),
    )
    created = services.api_keys.create(
        person.account_id, "elsewhere", ["studios:read", "studios:write"], user_id=person.user_id
    )
    assert "studios:write" in worker.authenticate(created.secret).scopes
    services.users.set_scopes(person.user_id, ["studios:read"])  # another process (the CLI)
    now[0] += 4.9
    assert "studios:write" in worker.authenticate(created.secret).scopes  # still trusted
    now[0] += 0.2
    assert worker.authenticate(created.secret).scopes == {"studios:read"}
