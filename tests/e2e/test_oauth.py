"""Sign in with TRaX over HTTP: authorization code + PKCE (S256), the token, refresh and
revocation endpoints, RFC 8414 metadata, and access tokens on /v1. Every refusal is checked in
its RFC's error format (RFC 6749 §4.1.2.1 redirects, §5.2 JSON; RFC 7009)."""

from __future__ import annotations

import base64
import secrets

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from tests.support.client import ApiClient
from tests.support.oauth import (
    LOOPBACK,
    authorize_url,
    consent,
    get_code,
    pkce_pair,
    redirected_params,
)
from tests.support.web import Person, WebClient

PASSWORD = "correct horse battery staple"
ORIGIN = "http://127.0.0.1"
HELD = ("studios:read", "studios:write", "sources:read")


@pytest.fixture
def person(services) -> Person:
    account = services.accounts.create("Acme")
    email = f"dev-{secrets.token_hex(4)}@example.com"
    user = services.users.create(account.id, email, list(HELD), PASSWORD)
    return Person(account.id, user.id, email, PASSWORD)


@pytest.fixture
def browser(app, person) -> WebClient:
    browser = WebClient(app)
    # Authlib serves plain http only on a loopback address (else https, or behind an https
    # TRAX_PUBLIC_BASE_URL).
    browser.http.base_url = ORIGIN
    assert browser.sign_in(person.email, person.password).status_code == 303
    return browser


@pytest.fixture
def public_app(services, person):
    return services.oauth.register(
        person.account_id,
        "TRaX Desktop",
        [LOOPBACK, "https://app.example.com/cb"],
        ["studios:read", "studios:write", "stream:read"],
        confidential=False,
        user_id=person.user_id,
    ).client


@pytest.fixture
def token_client(app):
    from starlette.testclient import TestClient

    return TestClient(app, raise_server_exceptions=False, base_url=ORIGIN)


def _exchange(http, client_id, code, verifier, redirect_uri=LOOPBACK, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        **extra,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return http.post("/oauth/token", data=data)


def _refresh(http, client_id, refresh_token):
    return http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
    )


def _oauth_error(response, status, error):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == error, response.text


def _tokens(browser, http, client_id, scope="studios:read"):
    verifier, challenge = pkce_pair()
    code = get_code(browser, client_id, scope, challenge, "http://127.0.0.1:53117/callback")
    response = _exchange(http, client_id, code, verifier, "http://127.0.0.1:53117/callback")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_whole_flow_with_a_loopback_redirect_on_any_port(
    app, browser, token_client, public_app, services, person
):
    verifier, challenge = pkce_pair()
    redirect_uri = "http://127.0.0.1:49152/callback"
    url = authorize_url(public_app.id, redirect_uri, "studios:read studios:write", challenge)
    page = browser.get(url)
    assert page.status_code == 200, page.text
    assert "TRaX Desktop" in page.text and "Create, change and delete your studios" in page.text
    # The consent form may end at the app's loopback origin (CSP form-action).
    assert "form-action 'self' http://127.0.0.1:49152" in page.headers["content-security-policy"]
    params = redirected_params(consent(browser, url))
    assert params["state"] == "xyz"
    assert redirected_params(consent(browser, url))  # a second consent: its own grant

    response = _exchange(token_client, public_app.id, params["code"], verifier, redirect_uri)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "studios:read studios:write"
    assert body["access_token"].startswith("tat_") and body["refresh_token"].startswith("trt_")

    api = ApiClient(app, body["access_token"])
    created = api.post("/v1/studios", json={"name": "Made by an app"})
    assert created.status_code == 201, created.text
    assert api.get("/v1/studios").json()["data"][0]["name"] == "Made by an app"
    # Scopes not granted are 403 in the same envelope as keys.
    refused = api.get("/v1/studios/" + created.json()["id"] + "/sources")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"

    # Refresh rotates; the new access token works.
    rotated = _refresh(token_client, public_app.id, body["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    second = rotated.json()
    assert second["refresh_token"] != body["refresh_token"]
    assert api.with_key(second["access_token"]).get("/v1/studios").status_code == 200

    # The user sees the app among those they authorized.
    apps_page = browser.get("/account/apps")
    assert "TRaX Desktop" in apps_page.text

    # Revoking the refresh token (RFC 7009) ends the grant: its access tokens get 401.
    revoked = token_client.post(
        "/oauth/revoke",
        data={
            "token": second["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": public_app.id,
        },
    )
    assert revoked.status_code == 200, revoked.text
    gone = api.with_key(second["access_token"]).get("/v1/studios")
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_key"


def test_a_wrong_verifier_is_invalid_grant(browser, token_client, public_app):
    verifier, challenge = pkce_pair()
    code = get_code(browser, public_app.id, "studios:read", challenge)
    other, _ = pkce_pair()
    _oauth_error(_exchange(token_client, public_app.id, code, other), 400, "invalid_grant")
    _oauth_error(_exchange(token_client, public_app.id, code, None), 400, "invalid_request")


def test_pkce_is_required_and_only_s256(browser, public_app):
    for challenge, method in ((None, None), (None, "S256"), ("a" * 43, "plain"), ("a" * 43, None)):
        params = redirected_params(
            browser.get(authorize_url(public_app.id, LOOPBACK, "studios:read", challenge, method))
        )
        assert params["error"] == "invalid_request", (challenge, method, params)
        assert params["state"] == "xyz"


def test_a_reused_code_is_refused_and_revokes_the_tokens_it_issued(
    app, browser, token_client, public_app
):
    verifier, challenge = pkce_pair()
    code = get_code(browser, public_app.id, "studios:read", challenge)
    first = _exchange(token_client, public_app.id, code, verifier)
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert ApiClient(app, access).get("/v1/studios").status_code == 200
    _oauth_error(_exchange(token_client, public_app.id, code, verifier), 400, "invalid_grant")
    assert ApiClient(app, access).get("/v1/studios").status_code == 401
    _oauth_error(
        _refresh(token_client, public_app.id, first.json()["refresh_token"]), 400, "invalid_grant"
    )


def test_a_redirect_uri_that_does_not_match_is_shown_not_followed(
    browser, token_client, public_app
):
    _, challenge = pkce_pair()
    for uri in (
        "https://evil.example.com/cb",
        "https://app.example.com/cb/other",
        "http://127.0.0.1:8080/elsewhere",
        "http://localhost/callback",
    ):
        response = browser.get(authorize_url(public_app.id, uri, "studios:read", challenge))
        assert response.status_code == 400, uri
        assert "location" not in response.headers
        assert "not supported" in response.text
    # The token request must name the redirect URI the code was issued for.
    verifier, challenge = pkce_pair()
    code = get_code(
        browser, public_app.id, "studios:read", challenge, "http://127.0.0.1:5000/callback"
    )
    _oauth_error(
        _exchange(token_client, public_app.id, code, verifier, "http://127.0.0.1:5001/callback"),
        400,
        "invalid_grant",
    )


def test_a_scope_the_user_does_not_hold_is_invalid_scope(browser, public_app):
    _, challenge = pkce_pair()
    params = redirected_params(
        browser.get(authorize_url(public_app.id, LOOPBACK, "studios:read stream:read", challenge))
    )
    assert params["error"] == "invalid_scope" and "stream:read" in params["error_description"]
    # A scope the app may not ask for at all.
    params = redirected_params(
        browser.get(authorize_url(public_app.id, LOOPBACK, "sources:read", challenge))
    )
    assert params["error"] == "invalid_scope"


def test_deny_is_access_denied(browser, public_app):
    _, challenge = pkce_pair()
    url = authorize_url(public_app.id, LOOPBACK, "studios:read", challenge)
    assert redirected_params(consent(browser, url, "deny"))["error"] == "access_denied"


def test_a_reused_refresh_token_revokes_the_grant(app, browser, token_client, public_app):
    first = _tokens(browser, token_client, public_app.id)
    second = _refresh(token_client, public_app.id, first["refresh_token"])
    assert second.status_code == 200
    _oauth_error(
        _refresh(token_client, public_app.id, first["refresh_token"]), 400, "invalid_grant"
    )
    # The whole grant is gone: the rotated pair too.
    assert ApiClient(app, second.json()["access_token"]).get("/v1/studios").status_code == 401
    _oauth_error(
        _refresh(token_client, public_app.id, second.json()["refresh_token"]), 400, "invalid_grant"
    )


def test_revoking_an_unknown_token_is_200(token_client, public_app):
    response = token_client.post(
        "/oauth/revoke", data={"token": "tat_nothing", "client_id": public_app.id}
    )
    assert response.status_code == 200 and response.json() == {}


def test_revoking_an_access_token_ends_it(app, browser, token_client, public_app):
    tokens = _tokens(browser, token_client, public_app.id)
    api = ApiClient(app, tokens["access_token"])
    assert api.get("/v1/studios").status_code == 200
    response = token_client.post(
        "/oauth/revoke", data={"token": tokens["access_token"], "client_id": public_app.id}
    )
    assert response.status_code == 200
    assert api.get("/v1/studios").status_code == 401


def test_no_implicit_no_password_grant_no_query_string(browser, token_client, public_app):
    _, challenge = pkce_pair()
    url = authorize_url(public_app.id, LOOPBACK, "studios:read", challenge).replace(
        "response_type=code", "response_type=token"
    )
    assert redirected_params(browser.get(url))["error"] == "unsupported_response_type"
    _oauth_error(
        token_client.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": "a",
                "password": "b",
                "client_id": public_app.id,
            },
        ),
        400,
        "unsupported_grant_type",
    )
    _oauth_error(
        token_client.post(
            "/oauth/token?code=abc",
            data={"grant_type": "authorization_code", "client_id": public_app.id},
        ),
        400,
        "invalid_request",
    )


def test_a_confidential_app_authenticates_with_its_secret(services, person, browser, token_client):
    registered = services.oauth.register(
        person.account_id,
        "Server app",
        [LOOPBACK],
        ["studios:read"],
        confidential=True,
        user_id=person.user_id,
    )
    assert registered.secret.startswith("tcs_")
    verifier, challenge = pkce_pair()
    code = get_code(browser, registered.client.id, "studios:read", challenge)
    basic = base64.b64encode(f"{registered.client.id}:wrong".encode()).decode()
    refused = token_client.post(
        "/oauth/token",
        headers={"Authorization": f"Basic {basic}"},
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": LOOPBACK,
            "code_verifier": verifier,
        },
    )
    _oauth_error(refused, 401, "invalid_client")
    basic = base64.b64encode(f"{registered.client.id}:{registered.secret}".encode()).decode()
    ok = token_client.post(
        "/oauth/token",
        headers={"Authorization": f"Basic {basic}"},
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": LOOPBACK,
            "code_verifier": verifier,
        },
    )
    assert ok.status_code == 200, ok.text


def test_metadata_passes_authlibs_validator(token_client):
    response = token_client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    metadata = AuthorizationServerMetadata(response.json())
    metadata.validate()
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert metadata["issuer"] == ORIGIN


def test_a_token_acts_as_its_user_now(app, services, person, browser, token_client, public_app):
    tokens = _tokens(browser, token_client, public_app.id, "studios:read studios:write")
    api = ApiClient(app, tokens["access_token"])
    assert api.post("/v1/studios", json={"name": "x"}).status_code == 201
    services.users.set_scopes(person.user_id, ["studios:read"])
    assert api.post("/v1/studios", json={"name": "y"}).status_code == 403
    services.users.set_active(person.user_id, False)
    assert api.get("/v1/studios").status_code == 401


def test_tenant_isolation(app, services, make_tenant, browser, token_client, public_app):
    other = make_tenant("Other")
    theirs = ApiClient(app, other.secret).post("/v1/studios", json={"name": "theirs"})
    assert theirs.status_code == 201
    tokens = _tokens(browser, token_client, public_app.id)
    api = ApiClient(app, tokens["access_token"])
    assert api.get("/v1/studios").json()["data"] == []
    assert api.get("/v1/studios/" + theirs.json()["id"]).status_code == 404


def test_revoking_from_the_apps_screen(app, browser, token_client, public_app, services, person):
    tokens = _tokens(browser, token_client, public_app.id)
    [authorized] = services.oauth.authorized_apps(person.account_id, person.user_id)
    response = browser.form_post(
        "/account/apps", f"/account/apps/authorized/{authorized.grant.id}/revoke", {}
    )
    assert response.status_code == 303
    assert ApiClient(app, tokens["access_token"]).get("/v1/studios").status_code == 401
    assert services.oauth.authorized_apps(person.account_id, person.user_id) == []


def test_s256_matches_authlib():
    verifier, challenge = pkce_pair()
    assert create_s256_code_challenge(verifier) == challenge


def test_the_generated_client_uses_an_access_token(browser, token_client, public_app, live_server):
    from trax_api_client import AuthenticatedClient
    from trax_api_client.api.studios import create_studio, list_studios
    from trax_api_client.models import CreateStudioRequest

    tokens = _tokens(browser, token_client, public_app.id, "studios:read studios:write")
    with AuthenticatedClient(base_url=live_server, token=tokens["access_token"]) as client:
        created = create_studio.sync_detailed(
            client=client, body=CreateStudioRequest(name="Via SDK")
        )
        assert created.status_code == 201, created.content
        listed = list_studios.sync(client=client)
        assert [studio.name for studio in listed.data] == ["Via SDK"]


def test_rate_limits_are_per_grant(settings, services, browser, token_client, public_app):
    """A grant has one bucket: its rotated tokens share it, another grant has its own; the
    429 and the rate-limit fields are the keys' own."""
    from server.adapters.rate_limiter import LocalRateLimiter
    from server.app import create_app
    from server.domain.token_bucket import BucketPolicy

    limited = create_app(
        settings, services, rate_limiter=LocalRateLimiter(BucketPolicy.from_rate(2, 1e-9))
    )
    first = _tokens(browser, token_client, public_app.id)
    api = ApiClient(limited, first["access_token"])
    assert api.get("/v1/studios").status_code == 200
    rotated = _refresh(token_client, public_app.id, first["refresh_token"]).json()
    same_grant = api.with_key(rotated["access_token"])
    assert same_grant.get("/v1/studios").status_code == 200
    refused = same_grant.get("/v1/studios")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused.headers and "RateLimit" in refused.headers
    other = _tokens(browser, token_client, public_app.id)
    assert api.with_key(other["access_token"]).get("/v1/studios").status_code == 200


def test_registering_apps_on_the_apps_screen(browser, services, person):
    fields = [("name", "Desktop"), ("redirect_uris", "http://127.0.0.1/callback\n"),
              ("kind", "public"), ("scopes", "studios:read")]  # fmt: skip
    response = browser.form_post("/account/apps", "/account/apps", fields)
    assert response.status_code == 303 and response.headers["location"] == "/account/apps"
    page = browser.get("/account/apps")
    [public] = services.oauth.list_registered_by(person.account_id, person.user_id)
    assert public.id in page.text and not public.confidential

    fields = [("name", "Server"), ("redirect_uris", "https://app.example.com/cb"),
              ("kind", "confidential"), ("scopes", "studios:read")]  # fmt: skip
    response = browser.form_post("/account/apps", "/account/apps", fields)
    assert response.headers["location"] == "/account/apps/new"
    shown = browser.get("/account/apps/new")
    secret = shown.text.split('<code id="secret" class="secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("tcs_")
    confidential = services.oauth.list_registered_by(person.account_id, person.user_id)[0]
    assert services.oauth.check_client_secret(confidential, secret)
    assert secret not in browser.get("/account/apps/new", follow_redirects=True).text  # once

    # A scope the person does not hold, a bad redirect URI, no CSRF token: nothing registered.
    held_not = [("name", "X"), ("redirect_uris", LOOPBACK), ("scopes", "stream:read")]
    assert browser.form_post("/account/apps", "/account/apps", held_not).status_code == 403
    bad_uri = [
        ("name", "X"),
        ("redirect_uris", "http://example.com/cb"),
        ("scopes", "studios:read"),
    ]
    refused = browser.form_post("/account/apps", "/account/apps", bad_uri)
    assert refused.status_code == 400 and "redirect URI" in refused.text
    assert browser.post("/account/apps", data=dict(held_not)).status_code == 400
    assert len(services.oauth.list_registered_by(person.account_id, person.user_id)) == 2

    # Delete: the app is gone, and another person's app id is a 404.
    deleted = browser.form_post("/account/apps", f"/account/apps/{public.id}/delete", {})
    assert deleted.status_code == 303 and services.oauth.get_client(public.id) is None
    assert browser.form_post("/account/apps", "/account/apps/app_x/delete", {}).status_code == 404
