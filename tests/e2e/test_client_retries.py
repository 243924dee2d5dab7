"""The README's retry advice ("Safe retries and concurrent edits") runs as written with the
generated client: a retry loop with Idempotency-Key and backoff over a connection that loses
responses makes one message; the If-Match loop survives a concurrent editor."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import func, select
from trax_api_client import AuthenticatedClient
from trax_api_client.models import ChatMessage, Destination, UpdateDestinationRequest

from server.storage.models import ChatMessage as ChatMessageRow
from tests.support.builders import create_destination, create_studio

README = Path(__file__).resolve().parents[2] / "README.md"


def section_code() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Safe retries and concurrent edits\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "the retry section lost its examples"
    return blocks


class LosingTransport(httpx.BaseTransport):
    """Sends each request to the server, and loses the first `lose` responses on the way
    back (the server did the work; the client sees a dropped connection)."""

    def __init__(self, lose: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.lose = lose
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = self.inner.handle_request(request)
        if self.lose > 0:
            self.lose -= 1
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def run(block: str) -> dict:
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    return namespace


def test_the_retry_loop_makes_one_message_however_many_responses_are_lost(
    live_server, api, tenant, services
):
    studio = create_studio(api)
    transport = LosingTransport(lose=3)
    helper = run(section_code()[0])
    with AuthenticatedClient(
        base_url=live_server, token=tenant.secret, httpx_args={"transport": transport}
    ) as client:
        message = helper["send_with_retries"](client, studio["id"], "hello, once")
    assert isinstance(message, ChatMessage) and message.text == "hello, once"
    assert len(transport.sent) == 4
    keys = {request.headers["Idempotency-Key"] for request in transport.sent}
    assert len(keys) == 1  # every attempt carried the same key
    with services.engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(ChatMessageRow)).scalar_one()
    assert stored == 1
    listed = api.get(f"/v1/studios/{studio['id']}/chat/messages").json()["data"]
    assert [m["id"] for m in listed] == [message.id]


def test_the_if_match_loop_survives_a_concurrent_editor(live_server, api, tenant):
    studio = create_studio(api)
    made = create_destination(api, studio["id"], streamKey="live-key-0001")
    path = f"/v1/studios/{studio['id']}/destinations/{made['id']}"
    helper = run("".join(section_code()))  # as the README reads: the second after the first
    decisions: list[str] = []

    def rename(destination: Destination) -> UpdateDestinationRequest:
        decisions.append(destination.name)
        if len(decisions) == 1:  # another tool edits right after our first read
            assert api.patch(path, json={"name": "Theirs"}).status_code == 200
        return UpdateDestinationRequest(name=f"{destination.name} + ours")

    with AuthenticatedClient(base_url=live_server, token=tenant.secret) as client:
        updated = helper["update_safely"](client, studio["id"], made["id"], rename)
    assert isinstance(updated, Destination)
    assert decisions == [made["name"], "Theirs"]  # the 412 made it read and decide again
    assert updated.name == "Theirs + ours"
    assert api.get(path).json()["name"] == "Theirs + ours"
