"""The `data.object` of each event: the resource exactly as the API returns it when the
transaction that changed it commits (so write-only fields are never in it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.states import OutputState
from server.storage.models import (
    ChatMessage,
    ChatOutbox,
    Destination,
    MediaAsset,
    Studio,
    WebhookEndpoint,
)

M = TypeVar("M")
Rendered = tuple[str, dict[str, Any]] | None


def render(session: Session, subject: tuple[Any, ...]) -> Rendered:
    """(account id, object) for a queued event's subject; None if it no longer exists."""
    kind, *rest = subject
    return _RENDERERS[kind](session, *rest)


def _fresh(session: Session, model: type[M], key: str) -> M | None:
    return session.get(model, key, populate_existing=True)


def _stream(session: Session, studio_id: str) -> Rendered:
    from server.domain.clock import utcnow
    from server.handlers.stream import present_stream_status
    from server.services.stream import StreamStatusView, ingest_availability
    from server.storage.repositories import IngestNodeRepository

    studio = _fresh(session, Studio, studio_id)
    if studio is None:
        return None
    destinations = list(
        session.scalars(
            select(Destination)
            .where(Destination.studio_id == studio_id)
            .order_by(Destination.id)
            .execution_options(populate_existing=True)
        )
    )
    ingest = ingest_availability(IngestNodeRepository(session), utcnow())
    return studio.account_id, present_stream_status(StreamStatusView(studio, destinations, ingest))


def _destination(session: Session, destination_id: str, reason: str | None) -> Rendered:
    from server.handlers.stream import destination_health
    from server.services.stream import destination_status

    destination = _fresh(session, Destination, destination_id)
    if destination is None:
        return None
    studio = _fresh(session, Studio, destination.studio_id)
    if studio is None:
        return None
    status = destination_status(studio, destination)
    return destination.account_id, {
        "destinationId": destination.id,
        "studioId": destination.studio_id,
        "platform": destination.platform,
        "name": destination.name,
        "status": status,
        "reason": reason if status == OutputState.ERRORED else None,
        "health": destination_health(status, destination),
    }


def _media(session: Session, media_id: str) -> Rendered:
    from server.handlers.media import present_media

    asset = _fresh(session, MediaAsset, media_id)
    return None if asset is None else (asset.account_id, present_media(asset))


def _chat_message(session: Session, message_id: str) -> Rendered:
    from server.handlers.chat import present_message
    from server.services.chat import MessageView

    message = _fresh(session, ChatMessage, message_id)
    if message is None:
        return None
    deliveries = list(
        session.scalars(
            select(ChatOutbox)
            .where(ChatOutbox.message_id == message_id)
            .order_by(ChatOutbox.id)
            .execution_options(populate_existing=True)
        )
    )
    return message.account_id, present_message(MessageView(message, deliveries))


def _webhook(session: Session, webhook_id: str) -> Rendered:
    from server.handlers.webhooks import present_webhook

    endpoint = _fresh(session, WebhookEndpoint, webhook_id)
    return None if endpoint is None else (endpoint.account_id, present_webhook(endpoint))


def _literal(session: Session, account_id: str, obj: dict[str, Any]) -> Rendered:
    return account_id, obj


_RENDERERS: dict[str, Callable[..., Rendered]] = {
    "stream": _stream,
    "destination": _destination,
    "media": _media,
    "chat_message": _chat_message,
    "webhook": _webhook,
    "literal": _literal,
}
