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
    # Both schemes at once, as plain headers (see shared/notes/stack-pitfalls.md).
    return {"Authorization": f"Bearer {secret}", "X-API-Key": secret}


class AppUnderTest:
    """An ASGI app that forwards to the session's app, bound by the `bind_app` fixture.

    The schema has to exist at import time for @schema.parametrize, before fixtures run
    (schemathesis.pytest.from_fixture fails under pytest 9). It is loaded from the same document
    /v1/openapi.json serves (test_openapi_document proves they are equal)."""

    target = None

    async def __call__(self, scope, receive, send):
        await self.target(scope, receive, send)


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
        settings=hypothesis.settings(FUZZ_SETTINGS, max_examples=40, stateful_step_count=6)
    )
    # The links were followed: a created studio was read back and updated, a registered media
    # asset was read back.
    assert {("create_studio", 201), ("get_studio", 200), ("update_studio", 200)} <= seen
    assert {("create_media", 201), ("get_media", 200)} <= seen
