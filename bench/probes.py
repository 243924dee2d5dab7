"""The differential check: before anything is measured, every server under test answers a fixed
set of probes exactly as recorded in bench/probes.expected.json (statuses, bodies and the
contract's headers: X-Request-Id, RateLimit-Policy, RateLimit, Retry-After, Location, Allow,
Content-Type), so speed never silently changes behaviour.

What differs from one seeding to the next is replaced by placeholders before comparing: the
seeded studios' ids and cursors by their index in the account (`{studio:3}`, `{cursor:3}`), ids
made during the probes by `{new:studio}`, timestamps by `{time}`. Everything else must be the
same byte for byte.

    python -m bench --record-probes    # after an intended change of an answer: re-record
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPECTED_PATH = Path(__file__).resolve().parent / "probes.expected.json"
COMPARED_HEADERS = (
    "content-type",
    "x-request-id",
    "ratelimit-policy",
    "ratelimit",
    "retry-after",
    "location",
    "allow",
)
BAD_KEY = "sk_live_" + "x" * 40
_ID = re.compile(r"\b([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}\b")
_CURSOR = re.compile(r"djE6[A-Za-z0-9_-]+")  # base64url of "v1:" + an id
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    key: str | None = "tenant"  # "tenant", "reader" (studios:read only), "bad" or None
    body: str | None = None
    content_type: str | None = "application/json"


PROBES = [
    Probe("health", "GET", "/v1/health", key=None),
    Probe("a page", "GET", "/v1/studios?limit=3"),
    Probe("a page after a cursor", "GET", "/v1/studios?limit=2&cursor={cursor:2}"),
    Probe("one studio", "GET", "/v1/studios/{studio:3}"),
    Probe("its stream status", "GET", "/v1/studios/{studio:3}/stream-status"),
    Probe("404 studio", "GET", "/v1/studios/studio_01ZZZZZZZZZZZZZZZZZZZZZZZZ"),
    Probe("404 route", "GET", "/v1/nothing-here"),
    Probe("405", "DELETE", "/v1/studios"),
    Probe("400 limit", "GET", "/v1/studios?limit=0"),
    Probe("400 unknown parameter", "GET", "/v1/studios?colour=red"),
    Probe("400 cursor", "GET", "/v1/studios?cursor=nope"),
    Probe("401 bad key", "GET", "/v1/studios", key="bad"),
    Probe("401 no key", "GET", "/v1/studios", key=None),
    Probe("403 scope", "POST", "/v1/studios", key="reader", body='{"name":"No"}'),
    Probe("415", "POST", "/v1/studios", body='{"name":"No"}', content_type=None),
    Probe("400 not JSON", "POST", "/v1/studios", body='{"name":'),
    Probe("400 unknown field", "POST", "/v1/studios", body='{"name":"No","colour":1}'),
    Probe("201 create", "POST", "/v1/studios", body='{"name":"Probe studio","autoGoLive":true}'),
    Probe("one studio again", "GET", "/v1/studios/{studio:0}"),
]


def _cursor_id(cursor: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return raw.removeprefix("v1:") if raw.startswith("v1:") else None


class Normaliser:
    """Seeded ids (the account's studios, in id order) -> their index; the rest by kind."""

    def __init__(self, studio_ids: list[str]) -> None:
        self.index = {studio_id: n for n, studio_id in enumerate(studio_ids)}
        self.studio_ids = studio_ids

    def fill(self, text: str) -> str:
        """A probe's path with its placeholders filled in for this seeding."""
        from server.domain.pagination import encode_cursor

        text = re.sub(r"\{studio:(\d+)\}", lambda m: self.studio_ids[int(m[1])], text)
        return re.sub(
            r"\{cursor:(\d+)\}", lambda m: encode_cursor(self.studio_ids[int(m[1])]), text
        )

    def __call__(self, text: str) -> str:
        def cursor(match: re.Match[str]) -> str:
            found = _cursor_id(match[0])
            return f"{{cursor:{self.index[found]}}}" if found in self.index else "{cursor:new}"

        def an_id(match: re.Match[str]) -> str:
            found = self.index.get(match[0])
            return f"{{studio:{found}}}" if found is not None else f"{{new:{match[1]}}}"

        text = _CURSOR.sub(cursor, text)
        return _TIME.sub("{time}", _ID.sub(an_id, text))


def ask(
    base_url: str, probe: Probe, number: int, secrets: dict[str, str], fill: Normaliser
) -> dict[str, Any]:
    """One probe over a fresh connection, its answer normalised."""
    host, port = base_url.removeprefix("http://").split(":")
    headers = {"X-Request-Id": f"probe-{number}"}
    if probe.key is not None:
        headers["Authorization"] = f"Bearer {secrets[probe.key]}"
    if probe.body is not None and probe.content_type:
        headers["Content-Type"] = probe.content_type
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(probe.method, fill.fill(probe.path), probe.body, headers)
        answer = connection.getresponse()
        body = answer.read().decode("utf-8", "replace")
        found = {name: answer.getheader(name) for name in COMPARED_HEADERS}
    finally:
        connection.close()
    return {
        "probe": probe.name,
        "status": answer.status,
        "headers": {name: fill(value) for name, value in found.items() if value is not None},
        "body": fill(body),
    }


def answers(base_url: str, secrets: dict[str, str], fill: Normaliser) -> list[dict[str, Any]]:
    return [ask(base_url, probe, n, secrets, fill) for n, probe in enumerate(PROBES)]


def differences(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    """Every way `got` differs from `expected`; [] when they are the same."""
    found = []
    if [e["probe"] for e in expected] != [g["probe"] for g in got]:
        return ["the probes themselves differ from the recording: re-record (--record-probes)"]
    for want, have in zip(expected, got, strict=True):
        for part in ("status", "headers", "body"):
            if want[part] != have[part]:
                found.append(
                    f"{want['probe']}: {part} {json.dumps(have[part])[:400]} "
                    f"(recorded {json.dumps(want[part])[:400]})"
                )
    return found


def load_expected(path: Path = EXPECTED_PATH) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(path.read_text())
    return loaded


def record(got: list[dict[str, Any]], path: Path = EXPECTED_PATH) -> None:
    path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
