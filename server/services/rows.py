"""The stored rows services hand to handlers, read-only by convention: handlers present them and
never import storage themselves (the import-linter contracts in pyproject.toml)."""

from __future__ import annotations

from server.storage.event_repositories import EVENT_ID_PREFIX
from server.storage.media_store import PresignedUpload
from server.storage.models import (
    Connection,
    Destination,
    Event,
    MediaAsset,
    Source,
    Studio,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "EVENT_ID_PREFIX",
    "Connection",
    "Destination",
    "Event",
    "MediaAsset",
    "PresignedUpload",
    "Source",
    "Studio",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
