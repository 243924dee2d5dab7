"""Hostile input against every operation of the contract: nothing reaches a 5xx and nothing
logs a traceback. Each operation gets its documented example body with every string replaced by
hostile text, bodies nested past any stack, huge arrays, extreme numbers, and every query
parameter with extreme values. Ids in the path name real resources of the caller, so the
requests reach the handlers instead of stopping at a 404."""

from __future__ import annotations

import copy
import json
import logging

import pytest

from server.http.json_input import MAX_DEPTH
from server.http.spec import HTTP_METHODS, load_spec
from tests.support.builders import create_destination, create_source, create_studio

SPEC = load_spec()

HOSTILE_STRINGS = [
    "\ud800",  # a lone surrogate: not a Unicode scalar value
    "ok\udfffok",
    "\x00",
    "\x1b[31m\x07\x08\r\n",
    "\u202e\ufeff\u200b",
    "𝕋𝕣𝕒𝕩" * 50,
    "x" * 70_000,  # past every maxLength and the body limit
    "%00%ED%A0%80../../etc/passwd",
]
EXTREME_NUMBERS = [10**40, -(10**40), 1e308, -1e308, 2**63, -(2**63) - 1, 0.5]
EXTREME_QUERY_VALUES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "99999-01-01T00:00:00Z",
    str(10**40),
    "-1",
    "%ED%A0%80",
    "%00",
    "x" * 5000,
    "\u202e",
]


def _operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _example_body(operation) -> object | None:
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if not content:
        return None
    if "example" in content:
        return content["example"]
    examples = content.get("examples") or {}
    for example in examples.values():
        if "$ref" in example:
            name = example["$ref"].rsplit("/", 1)[-1]
            example = SPEC["components"]["examples"][name]
        return example.get("value")
    return None


def _replace_strings(document, replacement):
    """Every variant of `document` with one string (or number) swapped for `replacement`."""
    if isinstance(document, dict):
        for key, value in document.items():
            scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
            if scalar and isinstance(replacement, str) == isinstance(value, str):
                variant = copy.deepcopy(document)
                variant[key] = replacement
                yield variant
            for inner in _replace_strings(value, replacement):
                variant = copy.deepcopy(document)
                variant[key] = inner
                yield variant
    elif isinstance(document, list):
        for index, value in enumerate(document):
            for inner in _replace_strings(value, replacement):
                variant = copy.deepcopy(document)
                variant[index] = inner
                yield variant


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _hostile_bodies(example) -> list[bytes]:
    bodies = [
        _nested(MAX_DEPTH + 1).encode(),
        _nested(400).encode(),
        _nested(30_000).encode(),
        ('{"a":' * 5_000 + "1" + "}" * 5_000).encode(),
        json.dumps([0] * 15_000).encode(),
        b'"\\ud800"',
        b"[1e999999]",
        b"NaN",
    ]
    if isinstance(example, dict):
        key = next(iter(example), "name")
        bodies.append(json.dumps({**example, key: json.loads(_nested(MAX_DEPTH + 5))}).encode())
        bodies.append(json.dumps({"\ud800": 1, **example}).encode())
        for hostile in HOSTILE_STRINGS:
            bodies.extend(json.dumps(v).encode() for v in _replace_strings(example, hostile))
        for number in EXTREME_NUMBERS:
            bodies.extend(json.dumps(v).encode() for v in _replace_strings(example, number))
    return bodies


@pytest.fixture
def world(api, services, tenant):
    studio = create_studio(api)
    source = create_source(api, studio["id"])
    destination = create_destination(api, studio["id"], "youtube", streamKey="abcd-efgh-ijkl")
    connection = services.connections.link(tenant.account_id, "twitch", "hostile")
    media = api.post(
        "/v1/media", json={"filename": "a.mp4", "contentType": "video/mp4", "size": 10}
    ).json()
    return {
        "studioId": studio["id"],
        "sourceId": source["id"],
        "destinationId": destination["id"],
        "connectionId": connection.id,
        "mediaId": media["id"],
    }


def _path(template: str, ids: dict[str, str]) -> str:
    path = "/v1" + template
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


@pytest.mark.parametrize(
    ("template", "method"),
    [(path, method) for path, method, _ in _operations()],
    ids=[operation["operationId"] for _, _, operation in _operations()],
)
def test_hostile_input_never_reaches_a_server_error(api, world, caplog, template, method):
    operation = SPEC["paths"][template][method]
    path = _path(template, world)
    statuses = []
    caplog.set_level(logging.WARNING)

    def send(**kwargs):
        response = api.request(method.upper(), path, **kwargs)
        statuses.append(response.status_code)
        assert response.status_code < 500, (kwargs, response.text[:300])
        if response.status_code >= 400 and response.status_code != 405:
            assert response.json()["error"]["code"]

    if operation.get("requestBody"):
        for body in _hostile_bodies(_example_body(operation)):
            send(content=body, headers={"Content-Type": "application/json"})
    query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    for name in query:
        for value in EXTREME_QUERY_VALUES:
            send(params={name: value})
    for value in ("%ED%A0%80", "x" * 3000, "studio_" + "0" * 26 + "%00"):
        hostile_path = path
        for real_id in world.values():
            hostile_path = hostile_path.replace(real_id, value)
        if hostile_path != path:
            response = api.request(method.upper(), hostile_path)
            assert response.status_code < 500
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


def test_the_walk_refuses_what_it_must(api):
    """The limits themselves: one level deeper than allowed is 400, the limit itself is fine."""
    studio_body = {"name": "ok", "autoGoLive": False}
    deep_ok = json.loads(_nested(MAX_DEPTH - 1))
    response = api.post("/v1/studios", json={**studio_body, "extra": deep_ok})
    assert response.status_code == 400  # refused by the schema (unknown field), not the walk
    assert "nested" not in response.json()["error"]["message"]
    response = api.post("/v1/studios", json={**studio_body, "extra": json.loads(_nested(40))})
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.json()["error"]["message"]
    response = api.post(
        "/v1/studios", content=b'{"name":"a\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "surrogate" in response.json()["error"]["message"]
    response = api.get(
        f"/v1/studios/{create_studio(api)['id']}/chat/messages",
        params={"since": "0001-01-01T00:00:00+14:00"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "since is out of range."
