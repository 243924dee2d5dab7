"""The states of the domain, spelled once. Each enum equals the spec's `x-extensible-enum` of
the field that reports it (tests/unit/test_vocabulary.py); storage keeps the same values."""

from __future__ import annotations

from enum import StrEnum


class StreamState(StrEnum):
    """A studio's stream (StreamState in the spec)."""

    OFFLINE = "offline"
    STARTING = "starting"
    LIVE = "live"
    STOPPING = "stopping"
    ERRORED = "errored"


class OutputState(StrEnum):
    """One destination's output while the studio streams (DestinationStatus.status)."""

    IDLE = "idle"
    STARTING = "starting"
    LIVE = "live"
    ERRORED = "errored"
    DISABLED = "disabled"


class SourceStatus(StrEnum):
    """What the ingest reports for a source (Source.status)."""

    IDLE = "idle"
    CONNECTED = "connected"
    LIVE = "live"
    ERRORED = "errored"


class MediaStatus(StrEnum):
    """A media library asset (MediaStatus in the spec)."""

    PENDING_UPLOAD = "pending_upload"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class ChatDeliveryStatus(StrEnum):
    """One platform delivery of an outbound chat message (ChatDelivery.status): `accepted` is
    queued and retried until sent."""

    ACCEPTED = "accepted"
    SENT = "sent"
    FAILED = "failed"


class WebhookDeliveryStatus(StrEnum):
    """One delivery of an event to a webhook endpoint (WebhookDelivery.status)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
