from __future__ import annotations

from typing import Any

from server.domain.pagination import page_request
from server.domain.principal import Principal
from server.handlers.events import present_event
from server.handlers.shaping import Response, etag_headers, page_body, timestamp
from server.services.rows import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from server.services.webhooks import ATTEMPT_ID_PREFIX, WEBHOOK_ID_PREFIX, WebhookService


def present_webhook(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """Never the secret: it is shown once, by create and rotate-secret."""
    expires = endpoint.previous_secret_expires_at
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": endpoint.event_types.split() if endpoint.event_types is not None else None,
        "enabled": endpoint.enabled,
        "disabledReason": endpoint.disabled_reason,
        "previousSecretExpiresAt": timestamp(expires) if expires else None,
        "createdAt": timestamp(endpoint.created_at),
        "updatedAt": timestamp(endpoint.updated_at),
    }


def present_attempt(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "eventId": attempt.event_id,
        "attemptedAt": timestamp(attempt.attempted_at),
        "responseStatus": attempt.response_status,
        "error": attempt.error,
        "durationMs": attempt.duration_ms,
        "nextRetryAt": timestamp(attempt.next_retry_at) if attempt.next_retry_at else None,
    }


def present_delivery(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "webhookId": delivery.endpoint_id,
        "eventId": delivery.event_id,
        "status": delivery.status,
        "nextAttemptAt": (
            timestamp(delivery.next_attempt_at) if delivery.next_attempt_at else None
        ),
    }


class WebhookHandlers:
    def __init__(self, webhooks: WebhookService) -> None:
        self._webhooks = webhooks

    def list_webhooks(
        self, principal: Principal, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, WEBHOOK_ID_PREFIX)
        return page_body(self._webhooks.list(principal.account_id, request), present_webhook), 200

    def create_webhook(self, principal: Principal, body: dict[str, Any]) -> Response:
        endpoint, secret = self._webhooks.create(
            principal.account_id,
            url=body["url"],
            event_types=body.get("eventTypes"),
            description=body.get("description", ""),
            enabled=body.get("enabled", True),
        )
        return (
            {**present_webhook(endpoint), "secret": secret},
            201,
            etag_headers(endpoint, Location=f"/v1/webhooks/{endpoint.id}"),
        )

    def get_webhook(self, principal: Principal, webhook_id: str) -> Response:
        endpoint = self._webhooks.get(principal.account_id, webhook_id)
        return present_webhook(endpoint), 200, etag_headers(endpoint)

    def update_webhook(
        self, principal: Principal, webhook_id: str, body: dict[str, Any]
    ) -> Response:
        changes: dict[str, Any] = {
            "url": body.get("url"),
            "description": body.get("description"),
            "enabled": body.get("enabled"),
        }
        if "eventTypes" in body:
            changes["event_types"] = body["eventTypes"]
        endpoint = self._webhooks.update(principal.account_id, webhook_id, **changes)
        return present_webhook(endpoint), 200, etag_headers(endpoint)

    def delete_webhook(self, principal: Principal, webhook_id: str) -> Response:
        self._webhooks.delete(principal.account_id, webhook_id)
        return None, 204

    def rotate_webhook_secret(self, principal: Principal, webhook_id: str) -> Response:
        endpoint, secret = self._webhooks.rotate_secret(principal.account_id, webhook_id)
        return {**present_webhook(endpoint), "secret": secret}, 200, etag_headers(endpoint)

    def send_test_webhook(self, principal: Principal, webhook_id: str) -> Response:
        return present_event(self._webhooks.send_test(principal.account_id, webhook_id)), 202

    def list_webhook_deliveries(
        self, principal: Principal, webhook_id: str, limit: int | None = None, cursor: str = ""
    ) -> Response:
        request = page_request(limit, cursor, ATTEMPT_ID_PREFIX)
        page = self._webhooks.attempts(principal.account_id, webhook_id, request)
        return page_body(page, present_attempt), 200

    def redeliver_webhook_event(
        self, principal: Principal, webhook_id: str, event_id: str
    ) -> Response:
        delivery = self._webhooks.redeliver(principal.account_id, webhook_id, event_id)
        return present_delivery(delivery), 202
