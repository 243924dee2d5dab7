"""The OAuth service's own rules, on a clock the test moves: code and token lifetimes, redirect
URI matching (RFC 8252 loopback ports), what an app may register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.domain.errors import InvalidKey
from server.services.api_keys import ScopeNotHeld
from server.services.oauth import (
    OAuthService,
    check_redirect_uri_rules,
    redirect_uri_matches,
)
from tests.conftest import TEST_KEY_HASH_SECRET
from tests.support.oauth import pkce_pair


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def oauth(services, clock) -> OAuthService:
    return OAuthService(services.unit_of_work, TEST_KEY_HASH_SECRET, clock=clock)


@pytest.fixture
def setup(services, oauth):
    account = services.accounts.create("Acme")
    user = services.users.create(account.id, "a@example.com", ["studios:read"], None)
    app = oauth.register(
        account.id, "App", ["http://127.0.0.1/cb"], ["studios:read", "stream:read"],
        confidential=False,
    ).client  # fmt: skip
    return user, app


def _code(oauth, user, app, code="c" * 48):
    _, challenge = pkce_pair()
    oauth.issue_code(app.id, user.id, ["studios:read"], "http://127.0.0.1:1/cb", challenge,
                     "S256", code)  # fmt: skip
    return code


def test_a_code_lives_ten_minutes(oauth, setup, clock):
    user, app = setup
    code = _code(oauth, user, app)
    clock.now += timedelta(minutes=10)
    assert oauth.code_for_exchange(code, app.id) is None
    code = _code(oauth, user, app, "d" * 48)
    clock.now += timedelta(minutes=9, seconds=59)
    assert oauth.code_for_exchange(code, app.id) is not None
    assert oauth.code_for_exchange(code, "app_other") is None  # bound to its client


def test_an_access_token_lives_one_hour(oauth, setup, clock):
    user, app = setup
    found = oauth.code_for_exchange(_code(oauth, user, app), app.id)
    issued = oauth.exchange_code(found)
    assert oauth.authenticate(issued.access_token).user_id == user.id
    clock.now += timedelta(hours=1)
    with pytest.raises(InvalidKey):
        oauth.authenticate(issued.access_token)
    # The refresh token still works and gives a fresh hour.
    refresh = oauth.refresh_for_exchange(issued.refresh_token)
    fresh = oauth.rotate(refresh, "")
    assert oauth.authenticate(fresh.access_token).scopes == frozenset({"studios:read"})


def test_only_held_scopes_and_only_s256(oauth, setup):
    user, app = setup
    _, challenge = pkce_pair()
    with pytest.raises(ScopeNotHeld):
        oauth.issue_code(app.id, user.id, ["stream:read"], "http://127.0.0.1/cb", challenge,
                         "S256", "e" * 48)  # fmt: skip
    with pytest.raises(ValueError, match="S256"):
        oauth.issue_code(app.id, user.id, ["studios:read"], "http://127.0.0.1/cb", challenge,
                         "plain", "e" * 48)  # fmt: skip


@pytest.mark.parametrize(
    ("registered", "requested", "matches"),
    [
        ("https://app.example.com/cb", "https://app.example.com/cb", True),
        ("https://app.example.com/cb", "https://app.example.com:443/cb", False),
        ("https://app.example.com/cb", "https://app.example.com/cb?x=1", False),
        ("https://app.example.com/cb", "https://app.example.com/CB", False),
        ("http://127.0.0.1/cb", "http://127.0.0.1:50000/cb", True),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1:50000/cb", True),
        ("http://127.0.0.1/cb", "http://127.0.0.1:50000/other", False),
        ("http://127.0.0.1/cb", "http://localhost:50000/cb", False),
        ("http://[::1]/cb", "http://[::1]:6000/cb", True),
        ("http://127.0.0.1/cb", "http://127.0.0.1:notaport/cb", False),
        ("http://127.0.0.1/cb", "https://127.0.0.1:5000/cb", False),
        ("com.example.app:/cb", "com.example.app:/cb", True),
    ],
)
def test_redirect_uri_matching(registered, requested, matches):
    assert redirect_uri_matches([registered], requested) is matches


@pytest.mark.parametrize(
    "uri",
    ["http://example.com/cb", "https://x.example/cb#f", "https://u@x.example/cb", "ftp://x/cb",
     "myapp:/cb", "", "https:///cb", "https://x.example/a b"],
)  # fmt: skip
def test_redirect_uris_an_app_may_not_register(uri):
    with pytest.raises(ValueError):
        check_redirect_uri_rules(uri)


def test_revocation_beats_the_auth_cache(services, setup, clock):
    """With the auth cache on, a token revoked through this process (the app, the user, a
    reused refresh token, a deleted app) is refused at once, as a revoked key is."""
    from server.services.api_keys import AuthCache

    cached = OAuthService(services.unit_of_work, TEST_KEY_HASH_SECRET, AuthCache(60), clock)
    user, app = setup

    def fresh(code: str):
        issued = cached.exchange_code(
            cached.code_for_exchange(_code(cached, user, app, code), app.id)
        )
        assert cached.authenticate(issued.access_token).key_id.startswith("grant_")
        return issued

    by_app = fresh("a" * 48)
    cached.revoke(cached.find_revocable(by_app.access_token, None))
    with pytest.raises(InvalidKey):
        cached.authenticate(by_app.access_token)

    by_user = fresh("b" * 48)
    grant_id = cached.authenticate(by_user.access_token).key_id
    cached.revoke_grant_for_user(user.account_id, user.id, grant_id)
    with pytest.raises(InvalidKey):
        cached.authenticate(by_user.access_token)

    reused = fresh("e" * 48)
    cached.rotate(cached.refresh_for_exchange(reused.refresh_token), "")
    assert cached.refresh_for_exchange(reused.refresh_token) is None  # reuse: grant revoked
    with pytest.raises(InvalidKey):
        cached.authenticate(reused.access_token)

    deleted = fresh("f" * 48)
    cached.delete(app.id)
    with pytest.raises(InvalidKey):
        cached.authenticate(deleted.access_token)


def test_codes_are_purged_a_day_after_they_expire_and_reuse_is_caught_until_then(
    oauth, setup, clock
):
    user, app = setup
    issued = oauth.exchange_code(oauth.code_for_exchange(_code(oauth, user, app), app.id))
    clock.now += timedelta(hours=23)
    assert oauth.purge_codes() == 0  # a used code is kept a day past its expiry ...
    assert oauth.code_for_exchange("c" * 48, app.id) is None  # ... so its reuse is detected
    # its grant is revoked: the refresh token (alive for 30 days) no longer works
    assert oauth.refresh_for_exchange(issued.refresh_token) is None

    _code(oauth, user, app, "d" * 48)  # expires at the new now + 10 minutes
    clock.now += timedelta(hours=1, minutes=11)
    assert oauth.purge_codes(limit=10) == 1  # only the first, older than a day past expiry
    assert oauth.purge_codes(limit=10) == 0
    clock.now += timedelta(days=1)
    assert oauth.purge_codes(limit=10) == 1
