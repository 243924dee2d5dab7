"""How chat reaches the platforms: one adapter interface, and the built-in local adapter.

A real platform adapter (Twitch IRC/Helix, YouTube liveChatMessages, …) implements `send` for
its platform: post `delivery.text` as the linked account `delivery.connection_id`, and make a
repeated call with the same `delivery.delivery_id` a no-op (the outbox may retry after a crash
between posting and recording). Raise `TransientDeliveryError` to have the outbox retry, and
`PermanentDeliveryError` (with a short reason) to fail the delivery. Register it in
`Services.build(chat_adapter=...)`. Inbound messages enter through `ChatService.receive`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.domain.clock import utcnow
from server.storage.models import RecordedChatDelivery


@dataclass(frozen=True)
class OutboundDelivery:
    delivery_id: str
    platform: str
    connection_id: str | None
    text: str


class TransientDeliveryError(Exception):
    """Try again later (the platform is down, rate-limited us, timed out)."""


class PermanentDeliveryError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatAdapter(Protocol):
    def send(self, delivery: OutboundDelivery) -> None: ...


class LocalRecordingAdapter:
    """The built-in adapter. It posts nowhere: it records each delivery in the local table
    `recorded_chat_deliveries`, once per delivery id, so the outbox can be exercised and
    inspected end to end without platform credentials."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def send(self, delivery: OutboundDelivery) -> None:
        if delivery.connection_id is None:
            raise PermanentDeliveryError("connection_unlinked")
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(RecordedChatDelivery).values(
                        outbox_id=delivery.delivery_id,
                        platform=delivery.platform,
                        connection_id=delivery.connection_id,
                        text=delivery.text,
                        delivered_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass  # already delivered: a retry must not post twice

    def recorded(self) -> list[RecordedChatDelivery]:
        with Session(self._engine) as session:
            query = select(RecordedChatDelivery).order_by(RecordedChatDelivery.outbox_id)
            return list(session.scalars(query))
