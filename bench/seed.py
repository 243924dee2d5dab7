"""A fresh benchmark database, built with the migrations and filled in bulk (executemany batches
on SQLite, COPY on PostgreSQL), never through the API: a million studios take seconds."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from server.domain.scopes import ALL_SCOPES
from server.services.api_keys import SECRET_PREFIX
from server.storage import migrate

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every 10-bit value as two Crockford digits: a ULID (130 bits with two zero bits on top) is 13
# table lookups.
_PAIRS = [_CROCKFORD[high] + _CROCKFORD[low] for high in range(32) for low in range(32)]
BATCH = 20_000


def ulid_text(millis: int, randomness: int) -> str:
    """The 26-character Crockford form of a ULID (48-bit time, 80-bit randomness)."""
    value = (millis << 80) | randomness
    return "".join([_PAIRS[(value >> shift) & 0x3FF] for shift in range(120, -1, -10)])


def sqlite_timestamp(millis: int) -> str:
    """What SQLAlchemy's SQLite DateTime stores: 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC)."""
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def fresh_database(database_url: str) -> Engine:
    """An empty schema at the latest migration. SQLite: a new file; PostgreSQL: the public
    schema of the given database is dropped and rebuilt (use a database of your own)."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url)
    else:
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(database_url)
    return engine


@dataclass
class Tenant:
    account_id: str
    key_id: str
    secret: str


class Seeder:
    """Bulk writer. Ids are ULIDs over a synthetic clock that moves forward one millisecond per
    row, so id order is creation order, as in the server."""

    def __init__(self, engine: Engine, key_hash_secret: str):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._hash_secret = key_hash_secret.encode()
        self._clock = int(time.time() * 1000) - 10 * 365 * 24 * 3600 * 1000
        self._ids = 0
        self._random = random.Random()
        self._owners: dict[str, str] = {}

    def _next_id(self, prefix: str) -> tuple[str, int]:
        self._clock += 1
        self._ids += 1
        randomness = self._random.getrandbits(80)
        return f"{prefix}_{ulid_text(self._clock, randomness)}", self._clock

    def _when(self, millis: int):
        if self.postgres:
            return datetime.fromtimestamp(millis / 1000, UTC)
        return sqlite_timestamp(millis)

    def _insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.postgres:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.execute("PRAGMA synchronous=OFF")
                for start in range(0, len(rows), BATCH):
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                        rows[start : start + BATCH],
                    )
            raw.commit()
        finally:
            raw.close()

    def account(self, name: str) -> str:
        """An account and its owner user (every key seeded for it belongs to the owner)."""
        account_id, millis = self._next_id("acct")
        self._insert(
            "accounts", ["id", "name", "created_at"], [(account_id, name, self._when(millis))]
        )
        owner_id, millis = self._next_id("user")
        self._insert(
            "users",
            ["id", "account_id", "scopes", "is_owner", "created_at"],
            [(owner_id, account_id, " ".join(ALL_SCOPES), True, self._when(millis))],
        )
        self._owners[account_id] = owner_id
        return account_id

    def key(self, account_id: str, scopes=ALL_SCOPES) -> Tenant:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        secret = SECRET_PREFIX + "".join(secrets.choice(alphabet) for _ in range(40))
        key_id, millis = self._next_id("key")
        self._insert(
            "api_keys",
            [
                "id",
                "account_id",
                "name",
                "prefix",
                "secret_hash",
                "scopes",
                "created_at",
                "user_id",
            ],
            [
                (
                    key_id,
                    account_id,
                    "bench",
                    secret[:12],
                    self._hash(secret),
                    " ".join(scopes),
                    self._when(millis),
                    self._owners[account_id],
                )
            ],
        )
        return Tenant(account_id, key_id, secret)

    def _hash(self, secret: str) -> str:
        return hmac.new(self._hash_secret, secret.encode(), hashlib.sha256).hexdigest()

    def tenant(self, name: str) -> Tenant:
        return self.key(self.account(name))

    def studios(self, owner: str, count: int, others: list[str], other_every: int) -> None:
        """`count` studios of `owner`, and after every `other_every`-th one a studio of one of
        the `others` (0: none), interleaved in id order as accounts write concurrently."""
        columns = [
            "id",
            "account_id",
            "name",
            "auto_go_live",
            "stream_state",
            "created_at",
            "updated_at",
        ]
        rows: list[tuple] = []

        def add(account_id: str, index: int) -> None:
            studio_id, millis = self._next_id("studio")
            when = self._when(millis)
            rows.append(
                (studio_id, account_id, f"Studio {index}", index % 7 == 0, "offline", when, when)
            )

        for index in range(count):
            add(owner, index)
            if other_every and index % other_every == other_every - 1:
                add(others[(index // other_every) % len(others)], index)
            if len(rows) >= 200_000:
                self._insert("studios", columns, rows)
                rows = []
        self._insert("studios", columns, rows)

    def junk_keys(self, owners: list[str], count: int) -> None:
        """Valid-looking keys of other accounts, so the key table has `count` more rows."""
        columns = [
            "id", "account_id", "name", "prefix", "secret_hash", "scopes", "created_at", "user_id"
        ]  # fmt: skip
        rows = []
        for index in range(count):
            key_id, millis = self._next_id("key")
            rows.append(
                (
                    key_id,
                    owners[index % len(owners)],
                    "other",
                    "sk_live_xxxx",
                    hashlib.sha256(os.urandom(32)).hexdigest(),
                    "studios:read",
                    self._when(millis),
                    self._owners[owners[index % len(owners)]],
                )
            )
        self._insert("api_keys", columns, rows)

    def analyze(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
