"""Unified chat. Sending stores the message and one outbox entry per platform account in one
transaction, then tries each delivery through the chat adapter; entries that could not be sent
stay pending and are retried by `trax chat deliver` (or the next send), never posted twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.chat.adapters import (
    ChatAdapter,
    OutboundDelivery,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from server.domain.errors import InvalidRequest
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.observability.metrics import instruments
from server.services.studios import require_studio
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import ChatMessage, ChatOutbox, utcnow

logger = logging.getLogger("trax.chat")

MESSAGE_ID_PREFIX = "msg"
# Platforms whose chat we post to, and the longest message each accepts.
PLATFORM_TEXT_LIMITS = {"youtube": 200, "twitch": 500, "facebook": 8000, "kick": 500}
DELIVERY_LEASE = timedelta(seconds=30)
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class MessageView:
    message: ChatMessage
    deliveries: list[ChatOutbox]


class ChatService:
    def __init__(self, unit_of_work: UnitOfWorkFactory, adapter: ChatAdapter):
        self._uow = unit_of_work
        self._adapter = adapter

    def list(
        self, account_id: str, studio_id: str, request: PageRequest, since: datetime | None
    ) -> Page[MessageView]:
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            rows = uow.chat.page(account_id, studio_id, request, since)
            views = self._views(uow, rows)
        return page_from_rows(views, request, lambda view: view.message.id)

    def send(self, account_id: str, studio_id: str, text: str) -> MessageView:
        if not text.strip():
            raise InvalidRequest("text must not be only white space.")
        now = utcnow()
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            account = uow.accounts.get(account_id)
            message = ChatMessage(
                id=new_id(MESSAGE_ID_PREFIX),
                account_id=account_id,
                studio_id=studio_id,
                direction="outbound",
                platform=None,
                author_name=account.name,
                text=text,
                created_at=now,
            )
            uow.chat.add_message(message)
            uow.session.flush()
            for platform, connection_id in self._chat_targets(uow, account_id, studio_id):
                too_long = len(text) > PLATFORM_TEXT_LIMITS[platform]
                uow.chat.add_outbox(
                    ChatOutbox(
                        id=new_id("dlv"),
                        message_id=message.id,
                        connection_id=connection_id,
                        platform=platform,
                        status=FAILED if too_long else PENDING,
                        reason="text_too_long" if too_long else None,
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                if too_long:
                    uow.events.queue("chat.delivery_failed", ("chat_message", message.id))
            uow.commit()
            pending = [d.id for d in uow.chat.deliveries_of([message.id]) if d.status == PENDING]
        for delivery_id in pending:
            self.deliver(delivery_id)
        with self._uow() as uow:
            return self._views(uow, [uow.chat.message(message.id)])[0]

    def deliver(self, delivery_id: str) -> None:
        """One attempt at one pending delivery; safe to run from several workers at once."""
        with self._uow() as uow:
            now = utcnow()
            entry = uow.chat.claim(delivery_id, now, now + DELIVERY_LEASE)
            if entry is None:
                return
            message = uow.chat.message(entry.message_id)
            uow.commit()
            delivery = OutboundDelivery(entry.id, entry.platform, entry.connection_id, message.text)
        try:
            self._adapter.send(delivery)
            status, reason = SENT, None
        except PermanentDeliveryError as exc:
            status, reason = FAILED, exc.reason
        except (TransientDeliveryError, OSError) as exc:
            logger.warning("chat delivery %s will be retried: %s", delivery_id, exc)
            status, reason = PENDING, "retrying"
        instruments().chat_delivery_attempts.labels("retry" if status == PENDING else status).inc()
        with self._uow() as uow:
            entry = uow.session.get(ChatOutbox, delivery_id)
            if entry is not None and entry.status == PENDING:
                entry.status, entry.reason = status, reason
                entry.claimed_until = None
                entry.updated_at = utcnow()
                if status == FAILED:
                    uow.events.queue("chat.delivery_failed", ("chat_message", entry.message_id))
                uow.commit()

    def deliver_pending(self, limit: int = 100) -> int:
        with self._uow() as uow:
            ids = uow.chat.pending_ids(utcnow(), limit)
        for delivery_id in ids:
            self.deliver(delivery_id)
        return len(ids)

    def receive(
        self,
        account_id: str,
        studio_id: str,
        connection_id: str,
        *,
        author: str,
        text: str,
        platform_message_id: str,
    ) -> ChatMessage:
        """An inbound message from a platform, as an adapter hands it over. The platform's own
        message id makes a redelivered message a no-op."""
        with self._uow() as uow:
            require_studio(uow, account_id, studio_id)
            connection = uow.connections.get(account_id, connection_id)
            if connection is None:
                raise LookupError(f"no connection {connection_id} for account {account_id}")
            existing = uow.chat.find_inbound(connection_id, platform_message_id)
            if existing is not None:
                return existing
            message = ChatMessage(
                id=new_id(MESSAGE_ID_PREFIX),
                account_id=account_id,
                studio_id=studio_id,
                direction="inbound",
                platform=connection.platform,
                connection_id=connection_id,
                platform_message_id=platform_message_id,
                author_name=author[:100],
                text=text[:2000],
                created_at=utcnow(),
            )
            uow.chat.add_message(message)
            uow.events.queue("chat.message", ("chat_message", message.id))
            uow.commit()
            return message

    @staticmethod
    def _chat_targets(uow: UnitOfWork, account_id: str, studio_id: str) -> list[tuple[str, str]]:
        """(platform, connection) for every enabled destination whose platform has chat and a
        linked connection; one entry per connection."""
        targets: dict[str, str] = {}
        for destination in uow.destinations.all_for_studio(account_id, studio_id):
            if (
                destination.enabled
                and destination.connection_id is not None
                and destination.platform in PLATFORM_TEXT_LIMITS
            ):
                targets.setdefault(destination.connection_id, destination.platform)
        return [(platform, connection) for connection, platform in targets.items()]

    @staticmethod
    def _views(uow: UnitOfWork, messages: list[ChatMessage]) -> list[MessageView]:
        deliveries = uow.chat.deliveries_of([m.id for m in messages if m.direction == "outbound"])
        by_message: dict[str, list[ChatOutbox]] = {}
        for delivery in deliveries:
            by_message.setdefault(delivery.message_id, []).append(delivery)
        return [MessageView(m, by_message.get(m.id, [])) for m in messages]
