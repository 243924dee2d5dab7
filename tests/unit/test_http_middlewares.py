"""The access policy, the body guard and the read retry, each on its own: a bare ASGI call with
a routed scope, no database, no framework."""

from __future__ import annotations

import anyio
import pytest
from connexion.middleware.abstract import ROUTING_CONTEXT
from sqlalchemy.exc import DBAPIError

from server.domain.errors import (
    InsufficientScope,
    InvalidKey,
    InvalidRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    RateLimited,
    RequestTimeout,
    UnsupportedMediaType,
    WriteDisabled,
)
from server.domain.principal import Principal
from server.domain.token_bucket import BucketPolicy, Decision
from server.http.access import PRINCIPAL_ARGUMENT, AccessMiddleware
from server.http.body_guard import BodyGuardMiddleware
from server.http.body_limit import BODY_EXTENSION
from server.http.connexion_compat import HANDLER_CONTEXT
from server.http.read_retry import ReadRetryMiddleware
from server.http.spec import OperationIndex, load_spec

OPERATIONS = OperationIndex(load_spec())
SECRET = "sk_live_" + "A" * 40


def routed(operation_id: str, *, body_headers=(), query: bytes = b"", key: bool = True) -> dict:
    policy = OPERATIONS.by_id[operation_id]
    headers = [(b"authorization", f"Bearer {SECRET}".encode())] if key else []
    return {
        "type": "http",
        "method": policy.method.upper(),
        "path": "/v1/studios",
        "query_string": query,
        "headers": headers + list(body_headers),
        "scheme": "http",
        "server": ("testserver", 80),
        "extensions": {ROUTING_CONTEXT: {"operation_id": operation_id}},
    }


class Downstream:
    """The rest of the stack: records what it was handed."""

    def __init__(self, failures: list[Exception] | None = None):
        self.calls: list[tuple[dict, bytes]] = []
        self.failures = list(failures or [])

    async def __call__(self, scope, receive, send) -> None:
        message = await receive()
        self.calls.append((scope, message.get("body", b"")))
        if self.failures:
            raise self.failures.pop(0)
        await send({"type": "http.response.start", "status": 200, "headers": []})


class Keys:
    def __init__(self, scopes=("studios:read", "studios:write"), failures=()):
        self.scopes = frozenset(scopes)
        self.failures = list(failures)

    def cached(self, secret):
        """Nothing cached: every request goes to authenticate (on the worker thread)."""
        return secret, None

    def authenticate(self, secret):
        if self.failures:
            raise self.failures.pop(0)
        if secret != SECRET:
            raise InvalidKey()
        return Principal("acc_1", "key_1", self.scopes)


class Limiter:
    policy = BucketPolicy.from_rate(10, 1)

    def __init__(self, allowed: bool = True):
        self.allowed = allowed
        self.taken: list[str] = []

    def take(self, key_id: str) -> Decision:
        self.taken.append(key_id)
        return Decision(self.allowed, remaining=0, wait_us=1_000_000, full_us=1_000_000)

    async def take_async(self, key_id: str) -> Decision:
        return self.take(key_id)


def call(middleware, scope, chunks=(b"",), *, more_coming: bool = False) -> list[dict]:
    """Runs one request; `more_coming`: the last chunk says more follows, and nothing does."""
    pending = [
        {"type": "http.request", "body": c, "more_body": more_coming or i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        if pending:
            return pending.pop(0)
        await anyio.sleep(3600)

    async def send(message):
        sent.append(message)

    anyio.run(middleware, scope, receive, send)
    return sent


def access(downstream, keys=None, limiter=None, write_enabled=True) -> AccessMiddleware:
    return AccessMiddleware(
        downstream,
        operations=OPERATIONS,
        api_keys=keys or Keys(),
        rate_limiter=limiter or Limiter(),
        write_enabled=write_enabled,
    )


def test_access_hands_the_principal_to_the_handler():
    downstream = Downstream()
    call(access(downstream), routed("list_studios"))
    ((scope, _),) = downstream.calls
    assert scope["extensions"][HANDLER_CONTEXT][PRINCIPAL_ARGUMENT].key_id == "key_1"


def test_access_refuses_in_the_contracts_order():
    downstream = Downstream()
    with pytest.raises(InvalidKey):
        call(access(downstream), routed("list_studios", key=False))
    limiter = Limiter(allowed=False)
    with pytest.raises(RateLimited):
        call(access(downstream, keys=Keys(scopes=()), limiter=limiter), routed("list_studios"))
    assert limiter.taken == ["key_1"]  # the token is taken before the scope is judged
    with pytest.raises(InsufficientScope):
        call(access(downstream, keys=Keys(scopes=("studios:read",))), routed("create_studio"))
    with pytest.raises(WriteDisabled):
        call(access(downstream, write_enabled=False), routed("create_studio"))
    assert downstream.calls == []


def test_access_refuses_an_unrouted_request():
    scope = routed("list_studios")
    scope["extensions"] = {}
    scope["method"] = "DELETE"
    with pytest.raises(MethodNotAllowed):
        call(access(Downstream()), scope)


def test_access_retries_authentication_once_after_a_lost_connection():
    lost = DBAPIError("select", {}, Exception("gone"), connection_invalidated=True)
    downstream = Downstream()
    call(access(downstream, keys=Keys(failures=[lost])), routed("list_studios"))
    assert len(downstream.calls) == 1
    with pytest.raises(DBAPIError):
        call(access(downstream, keys=Keys(failures=[lost, lost])), routed("list_studios"))


def guard(downstream, max_body_bytes=16, body_timeout=0.2) -> BodyGuardMiddleware:
    return BodyGuardMiddleware(
        downstream, operations=OPERATIONS, max_body_bytes=max_body_bytes, body_timeout=body_timeout
    )


# A body a client streams says so (Transfer-Encoding or Content-Length); without either, a
# request has none (RFC 9112 6.3).
CHUNKED = [(b"transfer-encoding", b"chunked")]
JSON = [*CHUNKED, (b"content-type", b"application/json")]


def test_the_body_guard_keeps_and_replays_the_body():
    downstream = Downstream()
    scope = routed("create_studio", body_headers=JSON)
    call(guard(downstream), scope, chunks=(b'{"name":', b'"a"}'))
    ((seen, body),) = downstream.calls
    assert body == b'{"name":"a"}' == seen["extensions"][BODY_EXTENSION]


@pytest.mark.parametrize(
    "headers", [[], [(b"content-length", b"0")], [(b"content-type", b"application/json")]]
)
def test_the_body_guard_reads_nothing_when_the_headers_declare_no_body(headers):
    """No receive at all (it would open a deadline's cancel scope): the chunk offered here
    is never taken, and what follows sees an empty body."""
    downstream = Downstream()
    scope = routed("list_studios", body_headers=headers)
    call(guard(downstream), scope, chunks=(b"never read",))
    ((seen, body),) = downstream.calls
    assert body == b"" == seen["extensions"][BODY_EXTENSION]


@pytest.mark.parametrize(
    ("headers", "query", "chunks", "error"),
    [
        (JSON, b"name=%00", (b"{}",), InvalidRequest),
        (JSON, b"", (b"x" * 17,), PayloadTooLarge),
        (JSON + [(b"content-length", b"99")], b"", (b"{}",), PayloadTooLarge),
        ([(b"content-length", b"1e3")], b"", (b"{}",), InvalidRequest),
        (CHUNKED, b"", (b"{}",), UnsupportedMediaType),
        (JSON, b"", (b"{nope",), InvalidRequest),
        (JSON, b"", (b'{"a":', b"\xff}"), InvalidRequest),
        # JSON is UTF-8: a body declared in another charset (or an unknown one) is refused.
        (
            CHUNKED + [(b"content-type", b"application/json; charset=latin-1")],
            b"",
            (b"{}",),
            UnsupportedMediaType,
        ),
        (
            CHUNKED + [(b"content-type", b'application/json;charset="foo"')],
            b"",
            (b"{}",),
            UnsupportedMediaType,
        ),
    ],
)
def test_the_body_guard_refuses(headers, query, chunks, error):
    downstream = Downstream()
    with pytest.raises(error):
        call(guard(downstream), routed("create_studio", body_headers=headers, query=query), chunks)
    assert downstream.calls == []


@pytest.mark.parametrize(
    "content_type",
    [
        b"application/json; charset=utf-8",
        b"application/json;charset=UTF8",
        b'application/json; charset="utf-8"',
    ],
)
def test_the_body_guard_takes_utf8_spelled_any_way_and_keeps_the_document(content_type):
    from server.http.body_limit import JSON_DOCUMENT_EXTENSION

    downstream = Downstream()
    headers = [*CHUNKED, (b"content-type", content_type)]
    call(guard(downstream), routed("create_studio", body_headers=headers), (b'{"name":"x"}',))
    ((seen, body),) = downstream.calls
    assert body == b'{"name":"x"}' and seen["extensions"][JSON_DOCUMENT_EXTENSION] == {"name": "x"}


def test_the_body_guard_times_out_a_slow_body():
    scope = routed("create_studio", body_headers=JSON)
    with pytest.raises(RequestTimeout):
        call(guard(Downstream(), body_timeout=0.05), scope, chunks=(b"{",), more_coming=True)


def lost_connection() -> DBAPIError:
    return DBAPIError("select", {}, Exception("gone"), connection_invalidated=True)


def test_a_read_is_retried_once_with_the_same_body():
    downstream = Downstream(failures=[lost_connection()])
    scope = routed("list_studios")
    scope["extensions"][BODY_EXTENSION] = b"kept"
    sent = call(ReadRetryMiddleware(downstream), scope, chunks=(b"kept",))
    assert [body for _, body in downstream.calls] == [b"kept", b"kept"]
    assert sent[0]["status"] == 200


@pytest.mark.parametrize(
    ("operation_id", "error"),
    [
        ("create_studio", lost_connection()),  # a write is never run twice
        ("list_studios", DBAPIError("select", {}, Exception("bad"))),  # not a lost connection
    ],
)
def test_what_is_not_retried(operation_id, error):
    downstream = Downstream(failures=[error])
    with pytest.raises(DBAPIError):
        call(ReadRetryMiddleware(downstream), routed(operation_id))
    assert len(downstream.calls) == 1


def test_a_read_that_already_answered_is_not_retried():
    class AnswersThenFails(Downstream):
        async def __call__(self, scope, receive, send):
            self.calls.append((scope, b""))
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise lost_connection()

    downstream = AnswersThenFails()
    with pytest.raises(DBAPIError):
        call(ReadRetryMiddleware(downstream), routed("list_studios"))
    assert len(downstream.calls) == 1


class CachedKeys(Keys):
    """The auth cache holds the key: authenticate (the worker thread) must not be called."""

    def cached(self, secret):
        return secret, Principal("acc_1", "key_1", self.scopes)

    def authenticate(self, secret):
        raise AssertionError("a cached key went to the worker thread")


def test_a_cached_key_is_admitted_inline_and_a_miss_is_looked_up_once_per_secret():
    downstream = Downstream()
    call(access(downstream, keys=CachedKeys()), routed("list_studios"))
    assert (
        downstream.calls[0][0]["extensions"][HANDLER_CONTEXT][PRINCIPAL_ARGUMENT].key_id == "key_1"
    )

    lookups = []

    class SlowKeys(Keys):
        def authenticate(self, secret):
            lookups.append(secret)
            import time

            time.sleep(0.05)  # on the worker thread: the other requests arrive meanwhile
            return super().authenticate(secret)

    middleware = access(Downstream(), keys=SlowKeys())

    async def three_at_once():
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(middleware, routed("list_studios"), _no_body, _discard)

    anyio.run(three_at_once)
    assert lookups == [SECRET]


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message):
    return None
