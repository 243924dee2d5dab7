"""The code's vocabulary is the spec's: the error codes the server can raise, the scopes it
checks and the states it reports, each compared with the enum the spec publishes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from server.domain import errors
from server.domain.errors import ApiError, ErrorCode
from server.domain.scopes import ALL_SCOPES
from server.domain.states import (
    ChatDeliveryStatus,
    MediaStatus,
    OutputState,
    SourceStatus,
    StreamState,
    WebhookDeliveryStatus,
)
from server.http.spec import load_spec

SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]
SERVER = Path(__file__).resolve().parents[2] / "server"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_the_error_codes_are_the_specs():
    spec_codes = SCHEMAS["ErrorDetail"]["properties"]["code"]["x-extensible-enum"]
    assert sorted(ErrorCode) == sorted(spec_codes)
    raised = {cls.code for cls in _subclasses(ApiError) if "code" in cls.__dict__}
    assert raised <= set(ErrorCode)


def test_conflicts_name_their_code_from_the_enum():
    """Conflict is the one error whose code is chosen at the call: never a bare string."""
    offenders = []
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == errors.Conflict.__name__
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                offenders.append(f"{path.relative_to(SERVER)}:{node.lineno}")
    assert offenders == []


def test_the_scopes_are_the_specs():
    required = {
        operation["x-trax-required-scope"]
        for path in SPEC["paths"].values()
        for method, operation in path.items()
        if isinstance(operation, dict) and "x-trax-required-scope" in operation
    }
    assert required - {"none"} == set(ALL_SCOPES)


@pytest.mark.parametrize(
    ("enum", "schema", "field"),
    [
        (StreamState, "StreamState", None),
        (OutputState, "DestinationStreamStatus", "status"),
        (OutputState, "DestinationOutputStatus", "status"),
        (SourceStatus, "Source", "status"),
        (MediaStatus, "MediaStatus", None),
        (ChatDeliveryStatus, "ChatDelivery", "status"),
        (WebhookDeliveryStatus, "WebhookDelivery", "status"),
    ],
)
def test_the_states_are_the_specs(enum, schema, field):
    node = SCHEMAS[schema] if field is None else SCHEMAS[schema]["properties"][field]
    assert sorted(enum) == sorted(node["x-extensible-enum"])
