"""Every query the services run. Each one that reads tenant data is scoped to an account."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    Select,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from server.domain.pagination import PageRequest
from server.domain.states import ChatDeliveryStatus, MediaStatus, StreamState
from server.storage.event_repositories import EventRepository
from server.storage.models import (
    Account,
    ApiKey,
    ChatMessage,
    ChatOutbox,
    Connection,
    Destination,
    IngestNode,
    MediaAsset,
    RelayLease,
    Source,
    StreamTransition,
    Studio,
    User,
    UserSession,
)
from server.storage.prepared import PreparedInsert
from server.storage.reads import AVAILABLE_PROTOCOLS, LEASE_EXPIRY, LEASE_HOLDER, lease_ran_out


def _rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (its result is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount


def _count(session: Session, query: Select[Any]) -> int:
    return session.scalar(query) or 0


@dataclass(frozen=True)
class OutputStatus:
    """One destination output as the relay reports it: its state, why it is errored and when it
    is retried (else None), and its measured health (None where nothing measured it)."""

    state: str
    reason: str | None = None
    retry_at: datetime | None = None
    bitrate_kbps: int | None = None
    fps: float | None = None
    dropped_frames: int | None = None
    health_at: datetime | None = None


def keyset_page(
    session: Session, query: Select[Any], id_column: Any, request: PageRequest
) -> list[Any]:
    """One keyset page: at most limit + 1 rows after `after_id`, by id ascending (the extra
    row only tells that another page exists)."""
    if request.after_id is not None:
        query = query.where(id_column > request.after_id)
    return list(session.scalars(query.order_by(id_column).limit(request.limit + 1)))


class AccountRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, account: Account) -> None:
        self.session.add(account)

    def get(self, account_id: str) -> Account | None:
        return self.session.get(Account, account_id)

    def find_by_name(self, name: str) -> Account | None:
        return self.session.scalars(
            select(Account).where(Account.name == name).order_by(Account.id).limit(1)
        ).first()


class ApiKeyRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, key: ApiKey) -> None:
        self.session.add(key)

    def get(self, key_id: str) -> ApiKey | None:
        return self.session.get(ApiKey, key_id)

    def find_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        return self.session.scalars(
            select(ApiKey).where(ApiKey.secret_hash == secret_hash)
        ).one_or_none()

    def find_with_user_by_secret_hash(self, secret_hash: str) -> tuple[ApiKey, User] | None:
        row = self.session.execute(
            select(ApiKey, User)
            .join(User, ApiKey.user_id == User.id)
            .where(ApiKey.secret_hash == secret_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def list_for_account(self, account_id: str) -> list[ApiKey]:
        return list(
            self.session.scalars(
                select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.id)
            )
        )

    def list_for_user(self, account_id: str, user_id: str) -> list[ApiKey]:
        """Newest first: the screen shows the key just made at the top."""
        return list(
            self.session.scalars(
                select(ApiKey)
                .where(ApiKey.account_id == account_id, ApiKey.user_id == user_id)
                .order_by(ApiKey.id.desc())
            )
        )

    def get_for_user(self, account_id: str, user_id: str, key_id: str) -> ApiKey | None:
        return self.session.scalars(
            select(ApiKey).where(
                ApiKey.id == key_id, ApiKey.account_id == account_id, ApiKey.user_id == user_id
            )
        ).one_or_none()

    def touch_last_used(self, key_id: str, used_at: datetime, stale_before: datetime) -> None:
        """Records use only if the stored value is older than `stale_before` (one write per
        resolution window, not per request; the condition makes racing writers harmless)."""
        self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < stale_before))
            .values(last_used_at=used_at)
        )


class UserRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(user)

    def get(self, user_id: str) -> User | None:
        return self.session.get(User, user_id)

    def find_by_email(self, email: str) -> User | None:
        return self.session.scalars(select(User).where(User.email == email)).one_or_none()

    def owner_of(self, account_id: str) -> User | None:
        return self.session.scalars(
            select(User)
            .where(User.account_id == account_id, User.is_owner.is_(True))
            .order_by(User.id)
            .limit(1)
        ).first()

    def list_for_account(self, account_id: str) -> list[User]:
        return list(
            self.session.scalars(
                select(User).where(User.account_id == account_id).order_by(User.id)
            )
        )


class UserSessionRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, user_session: UserSession) -> None:
        self.session.add(user_session)

    def find_live_with_user(
        self, session_id: str, now: datetime
    ) -> tuple[UserSession, User] | None:
        row = self.session.execute(
            select(UserSession, User)
            .join(User, UserSession.user_id == User.id)
            .where(UserSession.id == session_id, UserSession.expires_at > now)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def delete(self, session_id: str) -> None:
        self.session.execute(delete(UserSession).where(UserSession.id == session_id))

    def delete_for_user(self, user_id: str) -> None:
        self.session.execute(delete(UserSession).where(UserSession.user_id == user_id))

    def delete_expired(self, now: datetime) -> None:
        self.session.execute(delete(UserSession).where(UserSession.expires_at <= now))


_INSERT_STUDIO = insert(cast(Table, Studio.__table__))
_STUDIO_COLUMNS = [
    (attribute.key, attribute.columns[0]) for attribute in inspect(Studio).column_attrs
]


@functools.lru_cache(maxsize=8)
def _studio_insert(dialect: Dialect) -> PreparedInsert:
    """The studio INSERT compiled for the dialect (one engine per process; a few in tests)."""
    return PreparedInsert(_INSERT_STUDIO, dialect, [column.key for _, column in _STUDIO_COLUMNS])


class StudioRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, studio: Studio) -> None:
        """Inserts the new studio now, in this unit of work's transaction, by a prepared INSERT
        (server/storage/prepared.py): the create path's ORM flush, and then Core's execution,
        cost several times the statement (issue 12). The columns the caller left unset take
        their defaults, on the object too (version 1, which its ETag shows); the object is not
        tracked, so later changes to it are not written."""
        values = {}
        for key, column in _STUDIO_COLUMNS:
            value = getattr(studio, key)
            if value is None and column.default is not None and column.default.is_scalar:
                value = column.default.arg
                setattr(studio, key, value)
            values[column.key] = value
        connection = self.session.connection()
        _studio_insert(connection.dialect).run(connection, values)

    def get(self, account_id: str, studio_id: str) -> Studio | None:
        return self.session.scalars(
            select(Studio).where(Studio.account_id == account_id, Studio.id == studio_id)
        ).one_or_none()

    def page(self, account_id: str, request: PageRequest) -> list[Studio]:
        query = select(Studio).where(Studio.account_id == account_id)
        return keyset_page(self.session, query, Studio.id, request)

    def lock(self, account_id: str, studio_id: str) -> bool:
        """Holds the studio's row until the transaction ends, so that counting its children and
        adding one cannot interleave with another transaction doing the same. A no-op update,
        not SELECT … FOR UPDATE, because SQLite has no row locks: the write takes its database
        write lock, PostgreSQL the row lock. False when there is no such studio."""
        result = self.session.execute(
            update(Studio)
            .where(Studio.account_id == account_id, Studio.id == studio_id)
            .values(id=Studio.id)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1


@dataclass(frozen=True)
class StreamTransitionMade:
    from_state: str
    to_state: str
    generation: int  # the studio's stream generation after this step


class StudioStreamRepository:
    """The studio's stream state changes, each a conditional update so that of concurrent
    callers exactly one makes a given transition."""

    def __init__(self, session: Session, events: EventRepository):
        self.session = session
        self.events = events

    def transition(
        self,
        account_id: str,
        studio_id: str,
        from_states: Iterable[str],
        to_state: str,
        at: datetime,
        *,
        generation: int | None = None,
        version: int | None = None,
        **values: Any,
    ) -> StreamTransitionMade | None:
        """Moves the studio to `to_state` if it is in one of `from_states` (and, when given, still
        at `generation`), records the step in the log and queues its `stream.<state>` event.
        One conditional update per candidate state, so the previous state in the log is the one
        the update itself replaced, never one read earlier. None when another call got there
        first (or the generation moved on)."""
        for from_state in from_states:
            conditions = [
                Studio.account_id == account_id,
                Studio.id == studio_id,
                Studio.stream_state == from_state,
            ]
            if generation is not None:
                conditions.append(Studio.stream_generation == generation)
            if version is not None:  # If-Match: only the studio as the caller last read it
                conditions.append(Studio.version == version)
            new_generation = self.session.execute(
                update(Studio)
                .where(*conditions)
                .values(
                    stream_state=to_state,
                    stream_generation=Studio.stream_generation + 1,
                    version=Studio.version + 1,  # the studio's ETag changes with its state
                    updated_at=at,
                    **values,
                )
                .returning(Studio.stream_generation)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
            if new_generation is not None:
                self.session.add(
                    StreamTransition(
                        studio_id=studio_id, from_state=from_state, to_state=to_state, at=at
                    )
                )
                self.events.queue(
                    f"stream.{to_state}", ("stream", studio_id), {"state": from_state}
                )
                return StreamTransitionMade(from_state, to_state, new_generation)
        return None

    def generation(self, studio_id: str) -> int | None:
        return self.session.scalar(select(Studio.stream_generation).where(Studio.id == studio_id))

    def get_any_account(self, studio_id: str) -> Studio | None:
        """For the relay worker, which acts on studios it holds a lease on."""
        return self.session.get(Studio, studio_id, populate_existing=True)

    def set_program(self, studio_id: str, program: str | None) -> None:
        self.session.execute(
            update(Studio)
            .where(Studio.id == studio_id)
            .values(program=program)
            .execution_options(synchronize_session=False)
        )

    def transitions(self, studio_id: str) -> list[StreamTransition]:
        return list(
            self.session.scalars(
                select(StreamTransition)
                .where(StreamTransition.studio_id == studio_id)
                .order_by(StreamTransition.id)
            )
        )


class RelayLeaseRepository:
    """Which relay worker owns which live studio. A lease is taken only when absent or expired
    (one conditional upsert per studio, so two workers never both win one), renewed by its
    holder, and released when the studio goes offline."""

    ACTIVE_STATES = (StreamState.STARTING, StreamState.LIVE, StreamState.STOPPING)

    def __init__(self, session: Session):
        self.session = session

    def renew(self, worker_id: str, now: datetime, until: datetime) -> list[str]:
        self.session.execute(
            update(RelayLease)
            .where(RelayLease.worker_id == worker_id, RelayLease.expires_at >= now)
            .values(expires_at=until)
            .execution_options(synchronize_session=False)
        )
        return list(
            self.session.scalars(
                select(RelayLease.studio_id)
                .where(RelayLease.worker_id == worker_id, RelayLease.expires_at >= until)
                .order_by(RelayLease.studio_id)
            )
        )

    def claim(self, worker_id: str, now: datetime, until: datetime, limit: int) -> list[str]:
        held = select(RelayLease.studio_id).where(RelayLease.expires_at >= now)
        query = (
            select(Studio.id)
            .where(Studio.stream_state.in_(self.ACTIVE_STATES), Studio.id.not_in(held))
            .order_by(Studio.id)
            .limit(limit)
        )
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Studio)
        claimed = []
        for studio_id in self.session.scalars(query).all():
            insert = (postgresql if dialect == "postgresql" else sqlite).insert(RelayLease)
            statement = insert.values(studio_id=studio_id, worker_id=worker_id, expires_at=until)
            statement = statement.on_conflict_do_update(
                index_elements=[RelayLease.studio_id],
                set_={"worker_id": worker_id, "expires_at": until},
                where=RelayLease.expires_at < now,
            )
            won = self.session.execute(statement.returning(RelayLease.studio_id)).scalar()
            if won is not None:
                claimed.append(studio_id)
        return claimed

    def release(self, worker_id: str, studio_id: str) -> None:
        self.session.execute(
            delete(RelayLease).where(
                RelayLease.worker_id == worker_id, RelayLease.studio_id == studio_id
            )
        )

    def expire(self, worker_id: str, studio_id: str, now: datetime) -> None:
        """Hands a studio back without forgetting since when it has had no owner (a worker
        that shuts down: another may take it at once)."""
        self.session.execute(
            update(RelayLease)
            .where(RelayLease.worker_id == worker_id, RelayLease.studio_id == studio_id)
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )

    def unowned_since(self, studio_id: str, now: datetime) -> datetime | None:
        """When the studio's last lease ran out; None while a worker holds it or if none
        ever has."""
        return lease_ran_out(self.session.scalar(LEASE_EXPIRY, {"studio_id": studio_id}), now)

    def holder(self, studio_id: str, now: datetime) -> str | None:
        return self.session.scalar(LEASE_HOLDER, {"studio_id": studio_id, "now": now})


class SourceRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, source: Source) -> None:
        self.session.add(source)

    def delete(self, source: Source) -> None:
        self.session.delete(source)

    def get(self, account_id: str, studio_id: str, source_id: str) -> Source | None:
        return self.session.scalars(
            select(Source).where(
                Source.account_id == account_id,
                Source.studio_id == studio_id,
                Source.id == source_id,
            )
        ).one_or_none()

    def count(self, account_id: str, studio_id: str) -> int:
        return _count(
            self.session,
            select(func.count())
            .select_from(Source)
            .where(Source.account_id == account_id, Source.studio_id == studio_id),
        )

    def page(self, account_id: str, studio_id: str, request: PageRequest) -> list[Source]:
        query = select(Source).where(Source.account_id == account_id, Source.studio_id == studio_id)
        return keyset_page(self.session, query, Source.id, request)

    def enabled_for_studio_any_account(self, studio_id: str) -> list[Source]:
        """For the relay worker: the studio's enabled sources in program order (oldest first)."""
        return list(
            self.session.scalars(
                select(Source)
                .where(Source.studio_id == studio_id, Source.enabled.is_(True))
                .order_by(Source.id)
            )
        )

    def rtmp_by_stream_path(self, stream_path: str) -> Source | None:
        """For the ingest: the `rtmp` source a publisher names by its stream path."""
        return self.session.scalars(
            select(Source).where(Source.stream_path == stream_path, Source.kind == "rtmp")
        ).one_or_none()

    def set_status(self, source_id: str, status: str, now: datetime) -> None:
        self.session.execute(
            update(Source)
            .where(Source.id == source_id, Source.status != status)
            .values(status=status, updated_at=now, version=Source.version + 1)
            .execution_options(synchronize_session=False)
        )

    def reset_status(self, kind: str, status: str, now: datetime) -> int:
        """Every source of a kind back to one status (an ingest that (re)starts has no
        publisher yet); returns how many changed."""
        result = self.session.execute(
            update(Source)
            .where(Source.kind == kind, Source.status != status)
            .values(status=status, updated_at=now, version=Source.version + 1)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)


class IngestNodeRepository:
    """Which ingests accept publishers now: a row per running ingest, renewed by its owner."""

    def __init__(self, session: Session):
        self.session = session

    def renew(self, node_id: str, protocol: str, until: datetime) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert(IngestNode)
        statement = insert.values(node_id=node_id, protocol=protocol, expires_at=until)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[IngestNode.node_id],
                set_={"protocol": protocol, "expires_at": until},
            )
        )

    def remove(self, node_id: str) -> None:
        self.session.execute(delete(IngestNode).where(IngestNode.node_id == node_id))

    def available_protocols(self, now: datetime) -> frozenset[str]:
        """The protocols some running ingest accepts publishers for (one query)."""
        return frozenset(self.session.scalars(AVAILABLE_PROTOCOLS, {"now": now}))


class DestinationRepository:
    def __init__(self, session: Session, events: EventRepository):
        self.session = session
        self.events = events

    def add(self, destination: Destination) -> None:
        self.session.add(destination)

    def delete(self, destination: Destination) -> None:
        self.session.delete(destination)

    def get(self, account_id: str, studio_id: str, destination_id: str) -> Destination | None:
        return self.session.scalars(
            select(Destination).where(
                Destination.account_id == account_id,
                Destination.studio_id == studio_id,
                Destination.id == destination_id,
            )
        ).one_or_none()

    def with_sealed_stream_keys_not_by(self, key_id: str, limit: int) -> list[Destination]:
        """Destinations whose stream key was sealed by another key than `key_id` (rotation)."""
        return list(
            self.session.scalars(
                select(Destination)
                .where(
                    Destination.stream_key_sealed.is_not(None),
                    ~Destination.stream_key_sealed.startswith(f"{key_id}:", autoescape=True),
                )
                .order_by(Destination.id)
                .limit(limit)
            )
        )

    def count(self, account_id: str, studio_id: str) -> int:
        return _count(
            self.session,
            select(func.count())
            .select_from(Destination)
            .where(Destination.account_id == account_id, Destination.studio_id == studio_id),
        )

    def all_for_studio(self, account_id: str, studio_id: str) -> list[Destination]:
        return list(
            self.session.scalars(
                select(Destination)
                .where(Destination.account_id == account_id, Destination.studio_id == studio_id)
                .order_by(Destination.id)
            )
        )

    def page(self, account_id: str, studio_id: str, request: PageRequest) -> list[Destination]:
        query = select(Destination).where(
            Destination.account_id == account_id, Destination.studio_id == studio_id
        )
        return keyset_page(self.session, query, Destination.id, request)

    def set_output_states(
        self,
        studio_id: str,
        states: Mapping[str, str | OutputStatus],
        reasons: dict[str, str] | None = None,
    ) -> None:
        """The one write of destination output state (a bare state string clears the reason,
        retry time and health). Each change of state, not each refresh of health, is a
        `destination.status_changed` event in the same transaction, with a reason when an
        output errors."""
        statuses = {
            destination_id: state if isinstance(state, OutputStatus) else OutputStatus(state)
            for destination_id, state in states.items()
        }
        before = dict(
            self.session.execute(
                select(Destination.id, Destination.output_state).where(
                    Destination.studio_id == studio_id, Destination.id.in_(list(statuses))
                )
            ).all()
        )
        for destination_id, status in statuses.items():
            reason = status.reason or (reasons or {}).get(destination_id)
            if destination_id in before and before[destination_id] != status.state:
                if status.state == "errored" and reason is None:
                    reason = "output_failed"
                self.events.queue(
                    "destination.status_changed",
                    ("destination", destination_id, reason),
                    {"status": before[destination_id]},
                )
            self.session.execute(
                update(Destination)
                .where(Destination.studio_id == studio_id, Destination.id == destination_id)
                .values(
                    output_state=status.state,
                    output_reason=reason,
                    output_retry_at=status.retry_at,
                    health_bitrate_kbps=status.bitrate_kbps,
                    health_fps=status.fps,
                    health_dropped_frames=status.dropped_frames,
                    health_at=status.health_at,
                )
                .execution_options(synchronize_session=False)
            )

    def for_studio_any_account(self, studio_id: str) -> list[Destination]:
        """For the relay worker, which acts on studios it holds a lease on, not for a tenant."""
        return list(
            self.session.scalars(
                select(Destination)
                .where(Destination.studio_id == studio_id)
                .order_by(Destination.id)
            )
        )


class ConnectionRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, connection: Connection) -> None:
        self.session.add(connection)

    def get(self, account_id: str, connection_id: str) -> Connection | None:
        return self.session.scalars(
            select(Connection).where(
                Connection.account_id == account_id, Connection.id == connection_id
            )
        ).one_or_none()

    def page(self, account_id: str, request: PageRequest) -> list[Connection]:
        query = select(Connection).where(Connection.account_id == account_id)
        return keyset_page(self.session, query, Connection.id, request)

    def unlink(self, connection: Connection, at: datetime) -> None:
        """Deletes the connection after detaching everything that points at it: destinations
        keep streaming without it, undelivered chat to it fails."""
        self.session.execute(
            update(Destination)
            .where(Destination.connection_id == connection.id)
            .values(connection_id=None, updated_at=at, version=Destination.version + 1)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(ChatOutbox)
            .where(
                ChatOutbox.connection_id == connection.id,
                ChatOutbox.status == ChatDeliveryStatus.ACCEPTED,
            )
            .values(status=ChatDeliveryStatus.FAILED, reason="connection_unlinked", updated_at=at)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(ChatOutbox)
            .where(ChatOutbox.connection_id == connection.id)
            .values(connection_id=None)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(ChatMessage)
            .where(ChatMessage.connection_id == connection.id)
            .values(connection_id=None)
            .execution_options(synchronize_session=False)
        )
        self.session.delete(connection)


class ChatRepository:
    def __init__(self, session: Session):
        self.session = session

    def outbox_entry(self, outbox_id: str) -> ChatOutbox | None:
        return self.session.get(ChatOutbox, outbox_id)

    def add_message(self, message: ChatMessage) -> None:
        self.session.add(message)

    def add_outbox(self, entry: ChatOutbox) -> None:
        self.session.add(entry)

    def find_inbound(self, connection_id: str, platform_message_id: str) -> ChatMessage | None:
        return self.session.scalars(
            select(ChatMessage).where(
                ChatMessage.connection_id == connection_id,
                ChatMessage.platform_message_id == platform_message_id,
            )
        ).one_or_none()

    def page(
        self, account_id: str, studio_id: str, request: PageRequest, since: datetime | None
    ) -> list[ChatMessage]:
        query = select(ChatMessage).where(
            ChatMessage.account_id == account_id, ChatMessage.studio_id == studio_id
        )
        if since is not None:
            query = query.where(ChatMessage.created_at >= since)
        return keyset_page(self.session, query, ChatMessage.id, request)

    def deliveries_of(self, message_ids: list[str]) -> list[ChatOutbox]:
        if not message_ids:
            return []
        return list(
            self.session.scalars(
                select(ChatOutbox)
                .where(ChatOutbox.message_id.in_(message_ids))
                .order_by(ChatOutbox.id)
            )
        )

    def claim(self, outbox_id: str, now: datetime, lease_until: datetime) -> ChatOutbox | None:
        """Takes a pending delivery for one attempt, unless another worker holds it."""
        claimed = self.session.execute(
            update(ChatOutbox)
            .where(
                ChatOutbox.id == outbox_id,
                ChatOutbox.status == ChatDeliveryStatus.ACCEPTED,
                (ChatOutbox.claimed_until.is_(None)) | (ChatOutbox.claimed_until < now),
            )
            .values(claimed_until=lease_until, attempts=ChatOutbox.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(claimed) != 1:
            return None
        return self.session.get(ChatOutbox, outbox_id, populate_existing=True)

    def pending_ids(self, now: datetime, limit: int) -> list[str]:
        return list(
            self.session.scalars(
                select(ChatOutbox.id)
                .where(
                    ChatOutbox.status == ChatDeliveryStatus.ACCEPTED,
                    (ChatOutbox.claimed_until.is_(None)) | (ChatOutbox.claimed_until < now),
                )
                .order_by(ChatOutbox.id)
                .limit(limit)
            )
        )

    def message(self, message_id: str) -> ChatMessage | None:
        return self.session.get(ChatMessage, message_id)


class MediaAssetRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, asset: MediaAsset) -> None:
        self.session.add(asset)

    def get(self, account_id: str, media_id: str) -> MediaAsset | None:
        return self.session.scalars(
            select(MediaAsset).where(MediaAsset.account_id == account_id, MediaAsset.id == media_id)
        ).one_or_none()

    def get_any_account(self, media_id: str) -> MediaAsset | None:
        """For the embedded store's upload URL, which is the credential and names no account."""
        return self.session.get(MediaAsset, media_id)

    def page(self, account_id: str, request: PageRequest) -> list[MediaAsset]:
        query = select(MediaAsset).where(MediaAsset.account_id == account_id)
        return keyset_page(self.session, query, MediaAsset.id, request)

    def settle_pending(
        self,
        media_id: str,
        *,
        status: str,
        failure_reason: str | None,
        ready_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Moves a pending_upload asset to a final status. Only from pending_upload, so two
        racing reconcilers cannot both settle it (the loser changes nothing); True if it won."""
        result = self.session.execute(
            update(MediaAsset)
            .where(MediaAsset.id == media_id, MediaAsset.status == MediaStatus.PENDING_UPLOAD)
            .values(
                status=status,
                failure_reason=failure_reason,
                ready_at=ready_at,
                updated_at=now,
                version=MediaAsset.version + 1,
            )
        )
        return _rowcount(result) == 1

    def get_many(self, media_ids: list[str]) -> dict[str, MediaAsset]:
        if not media_ids:
            return {}
        rows = self.session.scalars(select(MediaAsset).where(MediaAsset.id.in_(media_ids)))
        return {row.id: row for row in rows}
