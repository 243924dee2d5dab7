"""The checker every test relies on must itself fail on a response that breaks the contract."""

from __future__ import annotations

import httpx
import jsonschema
import pytest
from openapi_core.exceptions import OpenAPIError

from tests.support.contract import CONTRACT

REQUEST_ID = {"x-request-id": "req_1"}


def response(status: int, body: bytes, path: str = "/v1/health", headers=None) -> httpx.Response:
    request = httpx.Request("GET", f"http://testserver{path}")
    return httpx.Response(
        status,
        content=body,
        headers={
            "content-type": "application/json",
            **(REQUEST_ID if headers is None else headers),
        },
        request=request,
    )


def test_accepts_a_conforming_response():
    CONTRACT.check(response(200, b'{"status":"ok","writeEnabled":true}'))


@pytest.mark.parametrize(
    ("status", "body", "headers", "refusal"),
    [
        (200, b'{"status":"ok"}', None, OpenAPIError),  # missing required field
        (200, b'{"status":"ok","writeEnabled":"yes"}', None, OpenAPIError),  # wrong type
        (418, b'{"error":{"code":"x","message":"m","requestId":"req_1"}}', None, OpenAPIError),
        (200, b'{"status":"ok","writeEnabled":true}', {}, AssertionError),  # no X-Request-Id
    ],
)
def test_rejects_a_broken_response(status, body, headers, refusal):
    with pytest.raises(refusal):
        CONTRACT.check(response(status, body, headers=headers))


def test_unknown_route_must_still_be_the_envelope():
    good = b'{"error":{"code":"not_found","message":"m","requestId":"req_1"}}'
    CONTRACT.check(response(404, good, path="/v1/nope"))
    with pytest.raises(jsonschema.ValidationError):
        CONTRACT.check(response(404, b'{"detail":"Not Found"}', path="/v1/nope"))
    with pytest.raises(AssertionError):
        mismatched = b'{"error":{"code":"not_found","message":"m","requestId":"other"}}'
        CONTRACT.check(response(404, mismatched, path="/v1/nope"))
