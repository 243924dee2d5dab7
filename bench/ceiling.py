"""The ceiling: what Python can do with no framework. A minimal Starlette app that answers the
benchmarked routes with the same SQL as the server (the key probe by HMAC, then the keyset page,
the single-row read or the insert) on the same database and returns the same JSON, byte for
byte (the harness checks it); a create with an Idempotency-Key runs the server's idempotency
SQL too (three commits). It skips only what a framework adds: spec-driven routing and request
validation, the middleware stack, the thread hops, the ORM.

    BENCH_DATABASE_URL=sqlite:///... TRAX_KEY_HASH_SECRET=... uvicorn bench.ceiling:app

Database calls are made inline on the event loop (one connection per worker process): the
cheapest way Python can run them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain.errors import (
    ApiError,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InsufficientScope,
    InvalidKey,
    InvalidRequest,
    NotFound,
)
from server.domain.idempotency import LOCK_SECONDS, RETENTION, fingerprint, parse_idempotency_key
from server.domain.ids import new_id
from server.domain.pagination import encode_cursor, page_request

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
HASH_SECRET = os.environ.get("TRAX_KEY_HASH_SECRET", "").encode()
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECRET_LENGTH = len("sk_live_") + 40
_COLUMNS = "id, name, auto_go_live, stream_state, created_at, updated_at"


class Database:
    def __init__(self, url: str):
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            import psycopg

            self.connection = psycopg.connect(
                url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
            )
            self.mark = "%s"
        else:
            import sqlite3

            self.connection = sqlite3.connect(
                url.split(":///", 1)[1], isolation_level=None, check_same_thread=False
            )
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000"):
                self.connection.execute(f"PRAGMA {pragma}")
            self.mark = "?"

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.mark)

    def one(self, statement: str, params: tuple):
        return self.connection.execute(self.sql(statement), params).fetchone()

    def all(self, statement: str, params: tuple):
        return self.connection.execute(self.sql(statement), params).fetchall()

    def write(self, statement: str, params: tuple) -> int:
        """The statement's row count."""
        return self.connection.execute(self.sql(statement), params).rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The statements inside commit together (outside it each commits alone)."""
        if self.postgres:
            with self.connection.transaction():
                yield
            return
        self.connection.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def now(self, later: timedelta = timedelta(0)):
        moment = datetime.now(UTC) + later
        if self.postgres:
            return moment
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def timestamp(self, value) -> str:
        if self.postgres:
            text = value.astimezone(UTC).isoformat(timespec="milliseconds")
            return text.replace("+00:00", "Z")
        return f"{value[:10]}T{value[11:23]}Z"


_db: Database | None = None


def db() -> Database:
    global _db
    if _db is None:
        _db = Database(DATABASE_URL)
    return _db


def _request_id(request: Request) -> str:
    sent = request.headers.get("x-request-id")
    return sent if sent and _SANE_REQUEST_ID.match(sent) else "req_" + secrets.token_hex(16)


def _json(body, status: int, request_id: str, headers: dict[str, str] | None = None) -> Response:
    # The server's jsonifier ends a body with a newline; so does this one, to be byte-identical.
    return Response(
        json.dumps(body, separators=(",", ":")).encode() + b"\n",
        status_code=status,
        media_type="application/json",
        headers={"X-Request-Id": request_id, **(headers or {})},
    )


def _error(error: ApiError, request_id: str) -> Response:
    detail = {"code": error.code, "message": error.message, "requestId": request_id}
    detail.update(error.extra)
    return Response(
        json.dumps({"error": detail}, separators=(",", ":")).encode(),
        status_code=error.status,
        media_type="application/json",
        headers={"X-Request-Id": request_id, **error.headers},
    )


def _principal(request: Request, scope: str) -> tuple[str, str]:
    """The caller's account id and key id, after the same key probe the server makes."""
    authorization = request.headers.get("authorization", "").strip()
    kind, _, token = authorization.partition(" ")
    secret = token.strip() if kind.lower() == "bearer" else request.headers.get("x-api-key", "")
    if len(secret) != _SECRET_LENGTH or not secret.startswith("sk_live_"):
        raise InvalidKey()
    secret_hash = hmac.new(HASH_SECRET, secret.encode(), hashlib.sha256).hexdigest()
    database = db()
    row = database.one(
        "SELECT account_id, scopes, revoked_at, expires_at, id FROM api_keys WHERE secret_hash = ?",
        (secret_hash,),
    )
    if row is None or row[2] is not None or (row[3] is not None and row[3] <= database.now()):
        raise InvalidKey()
    if scope not in row[1].split():
        raise InsufficientScope(scope)
    return row[0], row[4]


def _studio(row, database: Database) -> dict:
    return {
        "id": row[0],
        "name": row[1],
        "autoGoLive": bool(row[2]),
        "streamState": row[3],
        "createdAt": database.timestamp(row[4]),
        "updatedAt": database.timestamp(row[5]),
    }


async def health(request: Request) -> Response:
    return _json({"status": "ok", "writeEnabled": True}, 200, _request_id(request))


async def list_studios(request: Request) -> Response:
    request_id = _request_id(request)
    try:
        account_id, _ = _principal(request, "studios:read")
        raw_limit = request.query_params.get("limit")
        if raw_limit is not None and not raw_limit.lstrip("-").isdigit():
            raise InvalidRequest("limit must be an integer.")
        page = page_request(
            int(raw_limit) if raw_limit is not None else None,
            request.query_params.get("cursor", ""),
            "studio",
        )
        database = db()
        if page.after_id is None:
            rows = database.all(
                f"SELECT {_COLUMNS} FROM studios WHERE account_id = ? ORDER BY id LIMIT ?",
                (account_id, page.limit + 1),
            )
        else:
            rows = database.all(
                f"SELECT {_COLUMNS} FROM studios WHERE account_id = ? AND id > ? "
                "ORDER BY id LIMIT ?",
                (account_id, page.after_id, page.limit + 1),
            )
        body: dict = {"data": [_studio(row, database) for row in rows[: page.limit]]}
        if len(rows) > page.limit:
            body["nextCursor"] = encode_cursor(rows[page.limit - 1][0])
        return _json(body, 200, request_id)
    except ApiError as error:
        return _error(error, request_id)


async def get_studio(request: Request) -> Response:
    request_id = _request_id(request)
    try:
        account_id, _ = _principal(request, "studios:read")
        database = db()
        row = database.one(
            f"SELECT {_COLUMNS} FROM studios WHERE account_id = ? AND id = ?",
            (account_id, request.path_params["studio_id"]),
        )
        if row is None:
            raise NotFound("No such studio.")
        return _json(_studio(row, database), 200, request_id)
    except ApiError as error:
        return _error(error, request_id)


async def create_studio(request: Request) -> Response:
    request_id = _request_id(request)
    try:
        account_id, key_id = _principal(request, "studios:write")
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise InvalidRequest("The request body is not valid JSON.") from exc
        name = body.get("name") if isinstance(body, dict) else None
        auto_go_live = body.get("autoGoLive", False) if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise InvalidRequest("name must be a string of 1 to 100 characters.")
        if not isinstance(auto_go_live, bool) or set(body) - {"name", "autoGoLive"}:
            raise InvalidRequest("The request body does not match CreateStudioRequest.")
        database = db()
        now = database.now()
        row = (new_id("studio"), name, auto_go_live, "offline", now, now)
        insert = (
            "INSERT INTO studios (id, account_id, name, auto_go_live, stream_state, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row[0], account_id, *row[1:]),
        )
        location = {"Location": f"/v1/studios/{row[0]}"}
        if "idempotency-key" not in request.headers:
            database.write(*insert)
            return _json(_studio(row, database), 201, request_id, location)
        key = parse_idempotency_key(request.headers["idempotency-key"])
        body_print = fingerprint(request.headers.get("content-type", ""), raw)
        return _idempotent(database, key_id, key, body_print, insert, row, location, request_id)
    except ApiError as error:
        return _error(error, request_id)


def _idempotent(database, key_id, key, body_print, insert, row, location, request_id) -> Response:
    """The server's SQL for a POST with a fresh Idempotency-Key (server/services/idempotency.py):
    the reservation committed alone, the change and its `applied` mark in one transaction, the
    response stored last. A key seen before gets its stored answer, or 409 while in progress."""
    found = database.one(
        "SELECT state, fingerprint, response_status, response_headers, response_body "
        "FROM idempotency_records "
        "WHERE api_key_id = ? AND method = ? AND path = ? AND idempotency_key = ?",
        (key_id, "POST", "/v1/studios", key),
    )
    if found is not None:
        if found[1] != body_print:
            raise IdempotencyKeyReused()
        if found[0] != "completed":
            raise IdempotencyInProgress()
        replayed = {k: v for k, v in json.loads(found[3]) if k != "content-type"}
        return Response(
            bytes(found[4]),
            found[2],
            media_type="application/json",
            headers={**replayed, "Idempotent-Replayed": "true"},
        )
    record_id, token = new_id("idem"), secrets.token_hex(16)
    database.write(
        "INSERT INTO idempotency_records (id, api_key_id, method, path, idempotency_key, "
        "fingerprint, state, lock_token, locked_until, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record_id,
            key_id,
            "POST",
            "/v1/studios",
            key,
            body_print,
            "in_progress",
            token,
            database.now(timedelta(seconds=LOCK_SECONDS)),
            database.now(),
            database.now(RETENTION),
        ),
    )
    with database.transaction():
        database.write(*insert)
        applied = database.write(
            "UPDATE idempotency_records SET state = ? WHERE id = ? AND lock_token = ? "
            "AND state IN (?, ?)",
            ("applied", record_id, token, "in_progress", "applied"),
        )
        if applied != 1:
            raise IdempotencyInProgress()
    response = _json(_studio(row, database), 201, request_id, location)
    headers = [[k, v] for k, v in response.headers.items() if k != "content-length"]
    database.write(
        "UPDATE idempotency_records SET state = ?, response_status = ?, response_headers = ?, "
        "response_body = ? WHERE id = ? AND lock_token = ?",
        ("completed", 201, json.dumps(headers), response.body, record_id, token),
    )
    return response


_UNMEASURED = {"bitrateKbps": None, "framesPerSecond": None, "droppedFrames": None}


async def get_stream_status(request: Request) -> Response:
    request_id = _request_id(request)
    try:
        account_id, _ = _principal(request, "stream:read")
        database = db()
        studio = database.one(
            "SELECT id, stream_state, stream_started_at, program, stream_error FROM studios "
            "WHERE account_id = ? AND id = ?",
            (account_id, request.path_params["studio_id"]),
        )
        if studio is None:
            raise NotFound("No such studio.")
        destinations = database.all(
            "SELECT id, platform, name, enabled, output_state, output_reason, output_retry_at "
            "FROM destinations "
            "WHERE account_id = ? AND studio_id = ? ORDER BY id",
            (account_id, studio[0]),
        )

        def status(row) -> str:
            if not row[3]:
                return "disabled"
            return "idle" if studio[1] == "offline" else row[4]

        ingests = {
            row[0]
            for row in database.all(
                "SELECT DISTINCT protocol FROM ingest_nodes WHERE expires_at >= ?",
                (database.now(),),
            )
        }
        body = {
            "studioId": studio[0],
            "state": studio[1],
            "reason": (studio[4] or "stream_failed") if studio[1] == "errored" else None,
            "startedAt": database.timestamp(studio[2]) if studio[2] else None,
            "health": dict(_UNMEASURED),
            "program": (
                None
                if studio[3] is None
                else {"kind": "slate", "sourceId": None}
                if studio[3] == "slate"
                else {"kind": "source", "sourceId": studio[3]}
            ),
            "ingest": {
                kind: "available" if kind in ingests else "unavailable"
                for kind in ("rtmp", "srt", "whip")
            },
            "destinations": [
                {
                    "destinationId": row[0],
                    "platform": row[1],
                    "name": row[2],
                    "status": status(row),
                    "health": dict(_UNMEASURED),
                    "reason": row[5] if status(row) == "errored" else None,
                    "retryAt": (
                        database.timestamp(row[6]) if status(row) == "errored" and row[6] else None
                    ),
                }
                for row in destinations
            ],
        }
        return _json(body, 200, request_id)
    except ApiError as error:
        return _error(error, request_id)


app = Starlette(
    routes=[
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/studios", list_studios, methods=["GET"]),
        Route("/v1/studios", create_studio, methods=["POST"]),
        Route("/v1/studios/{studio_id}", get_studio, methods=["GET"]),
        Route("/v1/studios/{studio_id}/stream-status", get_stream_status, methods=["GET"]),
    ]
)
