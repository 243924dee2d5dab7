"""Tables. Alembic migrations (storage/migrations) create them; the app never does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.domain.states import OutputState, SourceStatus, StreamState


def _sqlite_utc_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value + "+00:00")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """SQLite stores the UTC time as text ('2026-11-20 18:04:05.123456', what SQLAlchemy's
        SQLite DateTime writes): read straight into an aware datetime. A read page has three
        per row, and this is about six times cheaper than parsing to a naive datetime and
        replacing its tzinfo (server/storage/reads.py)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_utc_datetime


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret, shown in listings so a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # HMAC-SHA256 of the secret under the server's key-hash secret; the secret itself is never
    # stored. Unique, so finding a key is one index probe whatever the number of keys.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated scope names.
    scopes: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The person the key acts as: its effective scopes are its own intersected with the
    # scopes that user holds at the time of each request.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)


class User(Base):
    """A person of an account who signs in to the web pages. The owner holds every scope."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Lower-cased; unique across accounts (sign-in is by email). None until an operator sets
    # one (the owner the migration gave each existing account).
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    # Argon2id (PHC string). None: the user cannot sign in until a password is set.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Space-separated scope names the user holds.
    scopes: Mapped[str] = mapped_column(String(1000))
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class UserSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so
    signing out (deleting the row) or expiry ends the session wherever the cookie is."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Studio(Base):
    __tablename__ = "studios"
    __table_args__ = (Index("ix_studios_account_id_id", "account_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(100))
    auto_go_live: Mapped[bool] = mapped_column(Boolean, default=False)
    stream_state: Mapped[str] = mapped_column(String(32), default=StreamState.OFFLINE)
    # Incremented by every stream state change: a go-live or go-offline completes its own
    # transition only while the generation it started is current, so a stale completion loses.
    stream_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the current stream started; null while offline or errored.
    stream_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # What the relay is playing: "slate" or a source id; null while nothing plays.
    program: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Why the stream is `errored` (StreamStatus.reason); null in every other state.
    stream_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's version: 1 on insert, incremented by every change of what the resource's
    # representation shows (the ORM's version_id_col; the Core UPDATEs of the repositories add
    # one themselves). The strong ETag is derived from it (server/handlers/shaping.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Connection(Base):
    """A linked platform account. Linked outside /v1 (operator CLI); /v1 lists and unlinks."""

    __tablename__ = "connections"
    __table_args__ = (Index("ix_connections_account_id_id", "account_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32), default="active")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's version: 1 on insert, incremented by every change of what the resource's
    # representation shows (the ORM's version_id_col; the Core UPDATEs of the repositories add
    # one themselves). The strong ETag is derived from it (server/handlers/shaping.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (Index("ix_sources_account_id_studio_id_id", "account_id", "studio_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    studio_id: Mapped[str] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(32), default=SourceStatus.IDLE)
    # Network sources publish to a stream path; a media source plays a library asset instead.
    stream_path: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    media_asset_id: Mapped[str | None] = mapped_column(
        ForeignKey("media_assets.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's version: 1 on insert, incremented by every change of what the resource's
    # representation shows (the ORM's version_id_col; the Core UPDATEs of the repositories add
    # one themselves). The strong ETag is derived from it (server/handlers/shaping.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Destination(Base):
    __tablename__ = "destinations"
    __table_args__ = (
        Index("ix_destinations_account_id_studio_id_id", "account_id", "studio_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    studio_id: Mapped[str] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    rtmp_url: Mapped[str] = mapped_column(String(512))
    # Write-only in the API: never returned, logged or echoed in an error. Stored sealed
    # (server/storage/sealed_secrets.py), opened only where an output starts; the last four
    # characters are kept apart for `streamKeyLast4`.
    stream_key_sealed: Mapped[str | None] = mapped_column(String(512), nullable=True)
    stream_key_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The output's state as the stream engine last reported it (idle/starting/live/errored).
    output_state: Mapped[str] = mapped_column(String(32), default=OutputState.IDLE)
    # Why the output is errored (connection_refused, key_rejected, input_lost, process_exited)
    # and when the relay tries again; null otherwise.
    output_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    output_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The output's last measured health (ffmpeg -progress) and when it was measured.
    health_bitrate_kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    health_fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    health_dropped_frames: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    health_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's version: 1 on insert, incremented by every change of what the resource's
    # representation shows (the ORM's version_id_col; the Core UPDATEs of the repositories add
    # one themselves). The strong ETag is derived from it (server/handlers/shaping.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:  # never the stream key
        return f"<Destination {self.id} {self.platform}>"

    @property
    def has_stream_key(self) -> bool:
        return self.stream_key_sealed is not None


class StreamTransition(Base):
    """Every change of a studio's stream state, in order: the record the engine keeps."""

    __tablename__ = "stream_transitions"
    __table_args__ = (Index("ix_stream_transitions_studio_id_id", "studio_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    studio_id: Mapped[str] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_account_id_studio_id_id", "account_id", "studio_id", "id"),
        # An inbound message delivered twice by a platform is stored once.
        UniqueConstraint("connection_id", "platform_message_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    studio_id: Mapped[str] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id", ondelete="SET NULL"), nullable=True
    )
    platform_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    author_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ChatOutbox(Base):
    """One row per (outbound message, platform account), written in the message's transaction:
    the durable record of what still has to be delivered."""

    __tablename__ = "chat_outbox"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id", ondelete="SET NULL"), nullable=True, index=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending, sent, failed
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordedChatDelivery(Base):
    """What the built-in local chat adapter "posted": one row per outbox entry, never two."""

    __tablename__ = "recorded_chat_deliveries"

    outbox_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    connection_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    text: Mapped[str] = mapped_column(String(2000))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MediaAsset(Base):
    __tablename__ = "media_assets"
    __table_args__ = (Index("ix_media_assets_account_id_id", "account_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    # Declared size in bytes; a ready asset's stored object has exactly this size.
    size: Mapped[int] = mapped_column(BigInteger)
    # pending_upload → ready | failed | expired (the last three are final).
    status: Mapped[str] = mapped_column(String(32))
    failure_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The upload URL's expiry, whole seconds; an upload must complete before it.
    upload_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's version: 1 on insert, incremented by every change of what the resource's
    # representation shows (the ORM's version_id_col; the Core UPDATEs of the repositories add
    # one themselves). The strong ETag is derived from it (server/handlers/shaping.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Event(Base):
    """The events outbox: written in the transaction of the change it describes, kept 30 days.
    `body` is the event exactly as the API and webhook deliveries show it (JSON text)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_account_id_id", "account_id", "id"),
        Index("ix_events_account_id_type_id", "account_id", "type", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_account_id_id", "account_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Space-separated event types; null means every type.
    event_types: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why the platform disabled it (gone, failing); null when enabled or disabled by the user.
    disabled_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The signing secret, encrypted (AES-GCM); write-only in the API, never logged.
    secret_ciphertext: Mapped[str] = mapped_column(String(200))
    # After a rotation the old secret keeps signing beside the new one until this time.
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True
    )
    # Start of the current run of failed attempts; null after a success.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row's version: 1 on insert, incremented by every change of what the resource's
    # representation shows (the ORM's version_id_col; the Core UPDATEs of the repositories add
    # one themselves). The strong ETag is derived from it (server/handlers/shaping.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:  # never the secret
        return f"<WebhookEndpoint {self.id}>"


class WebhookDelivery(Base):
    """One (event, endpoint) pair still to deliver or delivered: the unit a worker leases."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, succeeded, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Held by one worker's attempt until this time (longer than the 15 s request timeout).
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookAttempt(Base):
    """Every delivery attempt, as `GET /v1/webhooks/{id}/deliveries` lists them."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_endpoint_id_id", "endpoint_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RelayLease(Base):
    """A live studio's owner: the relay worker that runs its processes, until `expires_at`
    (renewed while the worker lives; an expired lease may be taken by another worker)."""

    __tablename__ = "relay_leases"

    studio_id: Mapped[str] = mapped_column(
        ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True
    )
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IngestNode(Base):
    """An ingest that accepts publishers now: one row per running ingest (e.g. the embedded
    nginx-rtmp), kept while its owner renews it. No unexpired row for a protocol means that
    protocol has no ingest."""

    __tablename__ = "ingest_nodes"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    protocol: Mapped[str] = mapped_column(String(16), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """One Idempotency-Key of one API key on one method and path (server/services/idempotency.py):
    reserved (`in_progress`) in a transaction of its own before the handler runs, marked
    `applied` inside the transaction of the request's first change, `completed` with the
    response to replay once the answer is known. Kept 24 hours."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "method", "path", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1024))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    # SHA-256 (hex) of the canonical request body (server/domain/idempotency.py).
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # in_progress, applied, completed
    # The reservation's holder; a takeover after `locked_until` changes it, so the first
    # holder's late commit no longer matches and changes nothing.
    lock_token: Mapped[str] = mapped_column(String(32))
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # JSON object of the replayed headers (Location, ETag).
    response_headers: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class OAuthClient(Base):
    """An app registered for "Sign in with TRaX" (OAuth 2.0 authorization code + PKCE). Public
    apps (native, single-page) have no secret; a confidential app's secret is stored as an HMAC
    only, like an API key's."""

    __tablename__ = "oauth_clients"

    # The client_id the app sends (`app_…`).
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    # The user who registered it (the account's owner when an operator did, through the CLI).
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Newline-separated, matched exactly (loopback ones on any port, RFC 8252).
    redirect_uris: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    secret_prefix: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Space-separated: the scopes the app may ask for.
    scopes: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A deleted app: its grants and tokens no longer work, nobody can authorize it again.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OAuthGrant(Base):
    """One consent: a user let an app act as them with these scopes. Its codes and every access
    and refresh token rotated from them belong to it; revoking it (the user, a reused code or
    a reused refresh token) ends them all. /v1 rate-limits per grant."""

    __tablename__ = "oauth_grants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why: "user", "client", "code_reused", "refresh_reused", "app_deleted".
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class OAuthCode(Base):
    """An authorization code: single use, at most 10 minutes, bound to its client, redirect URI
    and PKCE challenge (S256). Only its HMAC is stored."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("oauth_grants.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    scopes: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OAuthToken(Base):
    """An access token (1 hour) and the refresh token issued with it. A refresh token is used
    once: using it rotates the pair (this row is marked rotated, a new one is issued); using a
    rotated one again revokes the grant."""

    __tablename__ = "oauth_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("oauth_grants.id"), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    scopes: Mapped[str] = mapped_column(String(1000))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
