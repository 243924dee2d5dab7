"""An in-process client for the app whose every response is checked against the contract."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.support.contract import CONTRACT


class ApiClient:
    def __init__(self, app, secret: str | None = None):
        self._client = TestClient(app, raise_server_exceptions=False)
        self.secret = secret

    def with_key(self, secret: str | None) -> ApiClient:
        clone = ApiClient.__new__(ApiClient)
        clone._client, clone.secret = self._client, secret
        return clone

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.secret is not None and not any(
            h.lower() in ("authorization", "x-api-key") for h in headers
        ):
            headers["Authorization"] = f"Bearer {self.secret}"
        response = self._client.request(method, path, headers=headers, **kwargs)
        CONTRACT.check(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)
