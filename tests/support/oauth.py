"""Sign in with TRaX from a test: a PKCE pair, the consent through the pages (WebClient), the
token endpoint."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.support.web import WebClient, csrf_token

LOOPBACK = "http://127.0.0.1/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(
    client_id: str,
    redirect_uri: str,
    scope: str,
    challenge: str | None,
    method: str | None = "S256",
    state: str = "xyz",
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    return "/oauth/authorize?" + urlencode(params)


def consent(browser: WebClient, url: str, decision: str = "allow") -> httpx.Response:
    """Loads the consent page and answers it; returns the POST's response."""
    page = browser.get(url)
    assert page.status_code == 200, page.text
    return browser.post(url, data={"csrf_token": csrf_token(page.text), "decision": decision})


def redirected_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {name: values[0] for name, values in query.items()}


def get_code(
    browser: WebClient, client_id: str, scope: str, challenge: str, redirect_uri: str = LOOPBACK
) -> str:
    params = redirected_params(
        consent(browser, authorize_url(client_id, redirect_uri, scope, challenge))
    )
    assert params["state"] == "xyz", params
    return params["code"]
