"""Webhook endpoints: registration, secrets (shown once, rotated with a 24-hour overlap), the
test event, the attempt log and redelivery. Delivery itself is server/services/webhook_delivery.py.

A webhook URL passes the same outbound guard as destination RTMP URLs: https, resolving only to
public addresses; plain http only when every address is in TRAX_OUTBOUND_ALLOWED_NETWORKS."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from server.domain.clock import Clock, utcnow
from server.domain.conditional import require_version
from server.domain.errors import Conflict, ErrorCode, InvalidRequest, NotFound
from server.domain.ids import new_id
from server.domain.pagination import Page, PageRequest, page_from_rows
from server.domain.states import WebhookDeliveryStatus
from server.services.event_objects import render
from server.services.events import RETENTION, require_known_types
from server.services.outbound import PLATFORM_CALLER, IPAddress, OutboundGuard
from server.services.retry import retry_on_concurrent_change
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.event_repositories import new_delivery
from server.storage.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from server.webhooks.signing import SecretBox, new_signing_secret

WEBHOOK_ID_PREFIX = "wh"
ATTEMPT_ID_PREFIX = "wha"
ROTATION_OVERLAP = timedelta(hours=24)
_UNSET = object()


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    host: str
    addresses: list[IPAddress]


def check_webhook_url(
    guard: OutboundGuard, url: str, field: str = "url", caller: str = PLATFORM_CALLER
) -> CheckedUrl:
    """The URL's addresses if it may be called; InvalidRequest naming `field` otherwise.
    `caller` (the account asking) bounds its lookups in flight."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number in range)
    except ValueError as exc:
        raise InvalidRequest(f"{field} is not a valid URL.") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidRequest(f"{field} must be an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest(f"{field} must not carry credentials.")
    if parts.fragment:
        raise InvalidRequest(f"{field} must not have a fragment.")
    addresses = guard.check_host(parts.hostname, field=field, caller=caller)
    if parts.scheme == "http" and not all(guard.allowed_by_deployment(a) for a in addresses):
        raise InvalidRequest(f"{field} must be an https:// URL.")
    return CheckedUrl(url, parts.hostname, addresses)


def connect_address(addresses: list[IPAddress]) -> str:
    """The checked address to connect to (IPv4 first: it works on more networks)."""
    ordered = sorted(addresses, key=lambda a: a.version)
    address = ordered[0]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


class WebhookService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        guard: OutboundGuard,
        secrets: SecretBox,
        clock: Clock = utcnow,
    ) -> None:
        self._uow = unit_of_work
        self._guard = guard
        self._secrets = secrets
        self._clock = clock

    def create(
        self,
        account_id: str,
        *,
        url: str,
        event_types: list[str] | None,
        description: str,
        enabled: bool,
    ) -> tuple[WebhookEndpoint, str]:
        check_webhook_url(self._guard, url, caller=account_id)
        types = _types_column(event_types)
        secret = new_signing_secret()
        now = self._clock()
        endpoint = WebhookEndpoint(
            id=new_id(WEBHOOK_ID_PREFIX),
            account_id=account_id,
            url=url,
            description=description,
            event_types=types,
            enabled=enabled,
            disabled_reason=None,
            secret_ciphertext=self._secrets.seal(secret),
            previous_secret_ciphertext=None,
            previous_secret_expires_at=None,
            failing_since=None,
            created_at=now,
            updated_at=now,
        )
        with self._uow() as uow:
            uow.webhooks.add(endpoint)
            uow.commit()
        return endpoint, secret

    def list(self, account_id: str, request: PageRequest) -> Page[WebhookEndpoint]:
        with self._uow() as uow:
            rows = uow.webhooks.page(account_id, request)
        return page_from_rows(rows, request, lambda endpoint: endpoint.id)

    def get(self, account_id: str, webhook_id: str) -> WebhookEndpoint:
        with self._uow() as uow:
            return _require(uow, account_id, webhook_id)

    @retry_on_concurrent_change
    def update(
        self,
        account_id: str,
        webhook_id: str,
        *,
        url: str | None = None,
        event_types: Any = _UNSET,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookEndpoint:
        if url is not None:
            check_webhook_url(self._guard, url, caller=account_id)
        types = _types_column(event_types) if event_types is not _UNSET else _UNSET
        with self._uow() as uow:
            endpoint = _require(uow, account_id, webhook_id)
            require_version(endpoint.version)
            if url is not None:
                endpoint.url = url
            if types is not _UNSET:
                endpoint.event_types = types
            if description is not None:
                endpoint.description = description
            if enabled is not None and enabled != endpoint.enabled:
                endpoint.enabled = enabled
                # Re-enabled: a fresh start; what is still pending is delivered again.
                endpoint.disabled_reason = None
                endpoint.failing_since = None
            endpoint.updated_at = self._clock()
            uow.commit()
            return endpoint

    @retry_on_concurrent_change
    def delete(self, account_id: str, webhook_id: str) -> None:
        with self._uow() as uow:
            endpoint = _require(uow, account_id, webhook_id)
            require_version(endpoint.version)
            uow.webhooks.delete(endpoint)
            uow.commit()

    @retry_on_concurrent_change
    def rotate_secret(self, account_id: str, webhook_id: str) -> tuple[WebhookEndpoint, str]:
        """A new secret; the current one keeps signing beside it for 24 hours."""
        secret = new_signing_secret()
        with self._uow() as uow:
            endpoint = _require(uow, account_id, webhook_id)
            now = self._clock()
            endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
            endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
            endpoint.secret_ciphertext = self._secrets.seal(secret)
            endpoint.updated_at = now
            uow.commit()
            return endpoint, secret

    def send_test(self, account_id: str, webhook_id: str) -> Event:
        """A `webhook.test` event, delivered to this endpoint only."""
        with self._uow() as uow:
            endpoint = _require(uow, account_id, webhook_id)
            if not endpoint.enabled:
                raise Conflict(
                    ErrorCode.WEBHOOK_DISABLED,
                    "The webhook is disabled; enable it to send a test event.",
                )
            uow.events.queue("webhook.test", ("webhook", endpoint.id), only_endpoint_id=endpoint.id)
            (event,) = uow.events.write_queued(render)
            uow.commit()
            return event

    def attempts(
        self, account_id: str, webhook_id: str, request: PageRequest
    ) -> Page[WebhookAttempt]:
        with self._uow() as uow:
            _require(uow, account_id, webhook_id)
            rows = uow.webhooks.attempts_page(webhook_id, request)
        return page_from_rows(rows, request, lambda attempt: attempt.id)

    def redeliver(self, account_id: str, webhook_id: str, event_id: str) -> WebhookDelivery:
        """Schedules one more delivery of one event to one endpoint, now. A delivery already
        scheduled is left as it is (never two attempts of the same pair at once)."""
        now = self._clock()
        with self._uow() as uow:
            endpoint = _require(uow, account_id, webhook_id)
            event = uow.events.get(account_id, event_id, now - RETENTION)
            if event is None:
                raise NotFound("No such event.")
            delivery = uow.webhooks.delivery(endpoint.id, event.id)
            if delivery is None:
                delivery = new_delivery(endpoint.id, event.id, now)
                uow.webhooks.add_delivery(delivery)
            elif delivery.status != WebhookDeliveryStatus.PENDING:
                delivery.status = WebhookDeliveryStatus.PENDING
                delivery.attempts = 0
                delivery.next_attempt_at = now
                delivery.updated_at = now
            uow.commit()
            return delivery


def _require(uow: UnitOfWork, account_id: str, webhook_id: str) -> WebhookEndpoint:
    endpoint = uow.webhooks.get(account_id, webhook_id)
    if endpoint is None:
        raise NotFound("No such webhook.")
    return endpoint


def _types_column(event_types: list[str] | None) -> str | None:
    if event_types is None:
        return None
    if not event_types:
        raise InvalidRequest("eventTypes must name at least one type, or be null for every type.")
    return " ".join(require_known_types(event_types, "eventTypes"))
