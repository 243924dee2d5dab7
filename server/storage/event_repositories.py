"""Queries for the events outbox and webhook endpoints, deliveries and attempts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from server.domain.clock import timestamp
from server.domain.ids import new_id
from server.domain.pagination import PageRequest
from server.domain.states import WebhookDeliveryStatus
from server.storage.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENT_ID_PREFIX = "evt"


class DeliveryWakeups:
    """Delivery workers of this process register here; a commit that scheduled deliveries
    wakes them at once instead of at their next poll (workers elsewhere still poll)."""

    def __init__(self) -> None:
        self._events: set[threading.Event] = set()

    def register(self, event: threading.Event) -> None:
        self._events.add(event)

    def unregister(self, event: threading.Event) -> None:
        self._events.discard(event)

    def wake(self) -> None:
        for event in list(self._events):
            event.set()


delivery_wakeups = DeliveryWakeups()


@dataclass(frozen=True)
class PendingEvent:
    """An event queued in a unit of work; its object is rendered at commit, after every change
    of the transaction, so it shows the resource as the API returns it at that moment."""

    type: str
    subject: tuple[
        Any, ...
    ]  # ("stream", studio_id), ("media", media_id), ("literal", account_id, obj) …
    previous: dict[str, Any] | None
    only_endpoint_id: str | None = None


# (session, subject) -> (account_id, object), or None when the subject no longer exists.
Renderer = Callable[[Session, tuple[Any, ...]], "tuple[str, dict[str, Any]] | None"]


@dataclass
class EventRepository:
    session: Session
    request_id: Callable[[], str | None]
    clock: Callable[[], datetime]
    _queued: list[PendingEvent] = field(default_factory=list)
    scheduled_deliveries: int = 0

    def queue(
        self,
        type: str,
        subject: tuple[Any, ...],
        previous: dict[str, Any] | None = None,
        *,
        only_endpoint_id: str | None = None,
    ) -> None:
        self._queued.append(PendingEvent(type, subject, previous, only_endpoint_id))

    def write_queued(self, render: Renderer) -> list[Event]:
        """Writes the queued events and one delivery per subscribed endpoint, in the current
        transaction (the caller commits)."""
        if not self._queued:
            return []
        queued, self._queued = self._queued, []
        self.session.flush()
        now = self.clock()
        request_id = self.request_id()
        written = []
        subscribers: dict[str, list[WebhookEndpoint]] = {}
        for pending in queued:
            rendered = render(self.session, pending.subject)
            if rendered is None:
                continue
            account_id, obj = rendered
            event = Event(
                id=new_id(EVENT_ID_PREFIX), account_id=account_id, type=pending.type, created_at=now
            )
            data: dict[str, Any] = {"object": obj}
            if pending.previous is not None:
                data["previous"] = pending.previous
            event.body = json.dumps(
                {
                    "id": event.id,
                    "type": event.type,
                    "createdAt": timestamp(now),
                    "data": data,
                    "request": {"id": request_id},
                },
                separators=(",", ":"),
            )
            self.session.add(event)
            if pending.only_endpoint_id is not None:
                endpoint_ids = [pending.only_endpoint_id]
            else:
                if account_id not in subscribers:
                    subscribers[account_id] = list(
                        self.session.scalars(
                            select(WebhookEndpoint).where(
                                WebhookEndpoint.account_id == account_id,
                                WebhookEndpoint.enabled.is_(True),
                            )
                        )
                    )
                endpoint_ids = [
                    e.id for e in subscribers[account_id] if subscribes(e, pending.type)
                ]
            for endpoint_id in endpoint_ids:
                self.session.add(new_delivery(endpoint_id, event.id, now))
            self.scheduled_deliveries += len(endpoint_ids)
            written.append(event)
        self.session.flush()
        return written

    def page(
        self,
        account_id: str,
        request: PageRequest,
        types: list[str] | None,
        since: datetime | None,
        retained_after: datetime,
    ) -> list[Event]:
        query = select(Event).where(Event.account_id == account_id)
        query = query.where(Event.created_at >= max(since or retained_after, retained_after))
        if types:
            query = query.where(Event.type.in_(types))
        if request.after_id is not None:
            query = query.where(Event.id > request.after_id)
        return list(self.session.scalars(query.order_by(Event.id).limit(request.limit + 1)))

    def get(self, account_id: str, event_id: str, retained_after: datetime) -> Event | None:
        return self.session.scalars(
            select(Event).where(
                Event.account_id == account_id,
                Event.id == event_id,
                Event.created_at >= retained_after,
            )
        ).one_or_none()

    def purge(self, before: datetime, limit: int) -> int:
        """Deletes at most `limit` events older than `before`, with their deliveries."""
        ids = list(
            self.session.scalars(
                select(Event.id).where(Event.created_at < before).order_by(Event.id).limit(limit)
            )
        )
        if ids:
            self.session.execute(delete(WebhookAttempt).where(WebhookAttempt.event_id.in_(ids)))
            self.session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
            self.session.execute(delete(Event).where(Event.id.in_(ids)))
        return len(ids)


def subscribes(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return endpoint.event_types is None or event_type in endpoint.event_types.split()


def new_delivery(endpoint_id: str, event_id: str, now: datetime) -> WebhookDelivery:
    return WebhookDelivery(
        id=new_id("whd"),
        endpoint_id=endpoint_id,
        event_id=event_id,
        status=WebhookDeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class LeasedDelivery:
    delivery_id: str
    lease_token: str
    attempt: int
    endpoint_id: str
    account_id: str
    url: str
    secret_ciphertext: str
    previous_secret_ciphertext: str | None
    previous_secret_expires_at: datetime | None
    event_id: str
    body: str


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, endpoint: WebhookEndpoint) -> None:
        self.session.add(endpoint)

    def get(self, account_id: str, webhook_id: str) -> WebhookEndpoint | None:
        return self.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.account_id == account_id, WebhookEndpoint.id == webhook_id
            )
        ).one_or_none()

    def get_by_id(self, webhook_id: str) -> WebhookEndpoint | None:
        return self.session.get(WebhookEndpoint, webhook_id, populate_existing=True)

    def page(self, account_id: str, request: PageRequest) -> list[WebhookEndpoint]:
        query = select(WebhookEndpoint).where(WebhookEndpoint.account_id == account_id)
        if request.after_id is not None:
            query = query.where(WebhookEndpoint.id > request.after_id)
        return list(
            self.session.scalars(query.order_by(WebhookEndpoint.id).limit(request.limit + 1))
        )

    def delete(self, endpoint: WebhookEndpoint) -> None:
        self.session.execute(
            delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id)
        )
        self.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        self.session.delete(endpoint)

    def attempts_page(self, endpoint_id: str, request: PageRequest) -> list[WebhookAttempt]:
        query = select(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint_id)
        if request.after_id is not None:
            query = query.where(WebhookAttempt.id > request.after_id)
        return list(
            self.session.scalars(query.order_by(WebhookAttempt.id).limit(request.limit + 1))
        )

    def delivery(self, endpoint_id: str, event_id: str) -> WebhookDelivery | None:
        return self.session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.event_id == event_id
            )
        ).one_or_none()

    def add_delivery(self, delivery: WebhookDelivery) -> None:
        self.session.add(delivery)

    def lease_due(
        self,
        now: datetime,
        limit: int,
        lease_until: datetime,
        token: str,
        accept: Callable[[str], bool] = lambda endpoint_id: True,
    ) -> list[LeasedDelivery]:
        """Takes up to `limit` due deliveries of enabled endpoints for one attempt each. On
        PostgreSQL the rows are locked with SKIP LOCKED, so concurrent workers take disjoint
        sets; the lease (`leased_until`) then keeps them out of every other worker's reach
        until the attempt is recorded or the lease runs out (a worker that died)."""
        rows = self.session.execute(
            select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit * 4)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()
        chosen = [row.id for row in rows if accept(row.endpoint_id)][:limit]
        if not chosen:
            return []
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(chosen))
            .values(
                leased_until=lease_until,
                lease_token=token,
                attempts=WebhookDelivery.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        leased = self.session.execute(
            select(WebhookDelivery, WebhookEndpoint, Event)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id.in_(chosen))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .execution_options(populate_existing=True)
        ).all()
        return [
            LeasedDelivery(
                delivery_id=delivery.id,
                lease_token=token,
                attempt=delivery.attempts,
                endpoint_id=endpoint.id,
                account_id=endpoint.account_id,
                url=endpoint.url,
                secret_ciphertext=endpoint.secret_ciphertext,
                previous_secret_ciphertext=endpoint.previous_secret_ciphertext,
                previous_secret_expires_at=endpoint.previous_secret_expires_at,
                event_id=event.id,
                body=event.body,
            )
            for delivery, endpoint, event in leased
        ]

    def held_delivery(self, delivery_id: str, token: str) -> WebhookDelivery | None:
        """The delivery, if this worker's lease still holds it."""
        return self.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.lease_token == token)
            .with_for_update()
        ).one_or_none()

    def disable(self, endpoint_id: str, reason: str, now: datetime) -> bool:
        """Disables an enabled endpoint; True only for the caller that did it (concurrent
        failing attempts disable it, and record `webhook.disabled`, once)."""
        result = self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled.is_(True))
            .values(
                enabled=False,
                disabled_reason=reason,
                updated_at=now,
                version=WebhookEndpoint.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], result).rowcount == 1

    def record_failure(self, endpoint_id: str, at: datetime) -> datetime | None:
        """Starts the endpoint's run of failures at `at` unless one is running; returns when
        the current run started."""
        self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
            .values(failing_since=at)
            .execution_options(synchronize_session=False)
        )
        return self.session.scalar(
            select(WebhookEndpoint.failing_since).where(WebhookEndpoint.id == endpoint_id)
        )

    def record_success(self, endpoint_id: str) -> None:
        self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(failing_since=None)
            .execution_options(synchronize_session=False)
        )

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)
