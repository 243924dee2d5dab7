"""schemathesis against the app in-process: every operation, positive and negative data, with a
key holding every scope, then the stateful run over the spec's OpenAPI links. Zero failures."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis

from server.domain.scopes import ALL_SCOPES
from server.http.spec import load_spec
from tests.support.database import truncate_all

FUZZ_SETTINGS = hypothesis.settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
    derandomize=True,
)


def auth_headers(secret: str) -> dict[str, str]:
    # Both schemes at once, as plain headers: with two alternative header schemes, anything
    # else makes schemathesis' ignored_auth check report a false positive.
    return {"Authorization": f"Bearer {secret}", "X-API-Key": secret}


class AppUnderTest:
    """An ASGI app that forwards to the session's app, bound by the `bind_app` fixture.

    The schema has to exist at import time for @schema.parametrize, before fixtures run
    (schemathesis.pytest.from_fixture fails under pytest 9). It is loaded from the same document
    /v1/openapi.json serves (test_openapi_document proves they are equal)."""

    target = None

    async def __call__(self, scope, receive, send):
        await self.target(scope, receive, send)


@schemathesis.hook
def map_body(ctx, body):
    """A webhook url must resolve to a public address and eventTypes must name emitted types,
    facts no schema states; schema-valid values of those fields are pointed at the documented
    example host and type, so create_webhook succeeds and the stateful run follows its links.
    Values that break the schema (the negative cases) are left as they are."""
    operation = getattr(ctx, "operation", None)
    if operation is None or not isinstance(body, dict):
        return body
    if operation.definition.raw.get("operationId") not in ("create_webhook", "update_webhook"):
        return body
    url = body.get("url")
    if isinstance(url, str) and len(url) <= 2048:
        body = {**body, "url": "https://hooks.example.com/trax"}
    types = body.get("eventTypes")
    if (
        isinstance(types, list)
        and len(types) <= 50
        and all(isinstance(t, str) and len(t) <= 64 for t in types)
    ):
        body = {**body, "eventTypes": ["webhook.test"] if types else types}
    return body


APP_UNDER_TEST = AppUnderTest()
schema = schemathesis.openapi.from_dict(load_spec())
schema.app = APP_UNDER_TEST
schema.location = "/v1/openapi.json"


@pytest.fixture(autouse=True)
def bind_app(app):
    APP_UNDER_TEST.target = app


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_conforms(case, tenant):
    case.call_and_validate(headers=auth_headers(tenant.secret))


def test_stateful_sequences_conform(app, services):
    seen: set[tuple[str, int]] = set()

    class Workflow(schema.as_state_machine()):
        def setup(self):
            # A fresh database per scenario; without it the run is flaky (FlakyStrategyDefinition).
            truncate_all(services.engine)
            account = services.accounts.create("Fuzzer")
            self.secret = services.api_keys.create(account.id, "fuzz", list(ALL_SCOPES)).secret

        def get_call_kwargs(self, case):
            return {"headers": auth_headers(self.secret)}

        def after_call(self, response, case):
            seen.add((case.operation.definition.raw["operationId"], response.status_code))

    Workflow.run(
        settings=hypothesis.settings(FUZZ_SETTINGS, max_examples=50, stateful_step_count=8)
    )
    # The links were followed: from a created studio, operations on it and on what was created
    # in it succeeded (they need ids that only the links provide).
    assert ("create_studio", 201) in seen
    followed = {operation for operation, status in seen if status < 300} - {"create_studio"}
    assert len(followed - {"get_health", "get_openapi_document", "list_studios"}) >= 4, seen
