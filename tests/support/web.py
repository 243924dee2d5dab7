"""A browser-like client for the web pages (cookies, CSRF tokens read from the forms), and the
people who sign in to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from starlette.testclient import TestClient

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEYS_PATH = "/account/api-keys"


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Person:
    account_id: str
    user_id: str
    email: str
    password: str


class WebClient:
    def __init__(self, app):
        self.http = TestClient(app, raise_server_exceptions=False, follow_redirects=False)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict | list, **kwargs) -> httpx.Response:
        return self.http.post(path, data=data, **kwargs)

    def form_post(self, page: str, action: str, fields: dict | list) -> httpx.Response:
        """Loads `page`, takes its CSRF token, and posts `fields` with it to `action`."""
        token = csrf_token(self.get(page).text)
        items = list(fields.items()) if isinstance(fields, dict) else list(fields)
        data: dict[str, list[str]] = {"csrf_token": [token]}
        for name, value in items:
            data.setdefault(name, []).append(value)
        return self.http.post(action, data=data)

    def sign_in(self, email: str, password: str) -> httpx.Response:
        return self.form_post("/sign-in", "/sign-in", {"email": email, "password": password})

    def create_key(
        self, name: str, scopes: list[str], expiry: str = "never", expiry_date: str = ""
    ) -> httpx.Response:
        fields = [("name", name), ("expiry", expiry), ("expiry_date", expiry_date)]
        fields += [("scopes", scope) for scope in scopes]
        return self.form_post(KEYS_PATH, KEYS_PATH, fields)

    def created_secret(self) -> str:
        page = self.get(KEYS_PATH + "/new")
        assert page.status_code == 200, page.text
        match = re.search(
            r'<code id="secret" class="secret">(sk_live_[A-Za-z0-9]+)</code>', page.text
        )
        assert match, page.text
        return match.group(1)
