"""Every response the tests see is checked against the contract: openapi-core validates it
against its operation; a response to a route the spec does not have (unknown path, wrong
method) must still be the error envelope. Every response must carry X-Request-Id."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
    ServerNotFound,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from server.http.spec import SPEC_PATH, OperationIndex, load_spec

UI_PREFIX = "/v1/ui/"
RATE_LIMIT_POLICY = re.compile(r'"per-key";q=[1-9][0-9]*;w=[1-9][0-9]*')
RATE_LIMIT = re.compile(r'"per-key";r=(0|[1-9][0-9]*);t=(0|[1-9][0-9]*)')
# The embedded media store's presigned upload URLs: outside the contract, given out by it.
UPLOAD_PREFIX = "/uploads/"
# The readiness probe for load balancers: outside the contract, its own small format.
READINESS_PATH = "/readyz"


class _Request:
    def __init__(self, request: httpx.Request):
        self._request = request
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        try:
            self.body = request.content or None
        except httpx.RequestNotRead:  # a streamed body the server refused before reading it
            self.body = None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(httpx.QueryParams(url.query).multi_items()),
            header=Headers(list(request.headers.items())),
        )


class _Response:
    def __init__(self, response: httpx.Response):
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


class ContractChecker:
    @cached_property
    def openapi(self) -> OpenAPI:
        return OpenAPI.from_file_path(str(SPEC_PATH))

    @cached_property
    def operations(self) -> OperationIndex:
        return OperationIndex(load_spec())

    @cached_property
    def error_schema(self) -> dict[str, Any]:
        spec = load_spec()
        return {"$ref": "#/components/schemas/Error", "components": spec["components"]}

    def check(self, response: httpx.Response) -> None:
        request_id = response.headers.get("x-request-id")
        assert request_id, f"no X-Request-Id on {response.status_code} {response.request.url}"
        try:
            self.openapi.validate_response(_Request(response.request), _Response(response))
        except (PathNotFound, OperationNotFound, ServerNotFound):
            if response.request.url.path == READINESS_PATH:
                return
            # Outside the contract only the interactive reference and the upload URLs may
            # succeed; all else is an error in the envelope.
            if response.status_code < 400 and response.request.url.path.startswith(
                (UI_PREFIX, UPLOAD_PREFIX)
            ):
                return
            self.check_error_envelope(response)
            return
        if response.status_code >= 400:
            self.check_error_envelope(response)
        self.check_rate_limit_fields(response)

    def check_rate_limit_fields(self, response: httpx.Response) -> None:
        operation = self.operations.find(response.request.method, response.request.url.path)
        present = {"ratelimit-policy", "ratelimit"} & response.headers.keys()
        if operation is None or operation.public or response.status_code == 401:
            assert not present, f"rate-limit fields on {response.status_code} {operation}"
        elif response.status_code == 503 and not present:
            # The database was away before the key could be checked: no bucket to report.
            assert response.json()["error"]["code"] == "service_unavailable"
        else:
            assert len(present) == 2, f"no rate-limit fields on {response.status_code}"
            assert RATE_LIMIT_POLICY.fullmatch(response.headers["ratelimit-policy"])
            assert RATE_LIMIT.fullmatch(response.headers["ratelimit"])

    def check_error_envelope(self, response: httpx.Response) -> None:
        assert response.headers["content-type"].startswith("application/json"), response.text
        body = response.json()
        jsonschema.validate(body, self.error_schema)
        assert body["error"]["requestId"] == response.headers["x-request-id"]


CONTRACT = ContractChecker()
