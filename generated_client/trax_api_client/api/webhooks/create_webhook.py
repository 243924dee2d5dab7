from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_webhook_request import CreateWebhookRequest
from ...models.error import Error
from ...models.webhook_with_secret import WebhookWithSecret
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateWebhookRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | WebhookWithSecret | None:
    if response.status_code == 201:
        response_201 = WebhookWithSecret.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 408:
        response_408 = Error.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | WebhookWithSecret]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWebhookRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | WebhookWithSecret]:
    """Register a webhook endpoint

     Registers an endpoint that receives the account's events (all types, or those named in
    `eventTypes`) as signed POSTs per Standard Webhooks 1.0: headers `webhook-id` (the event
    id, the same on every retry: de-duplicate by it), `webhook-timestamp` and
    `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; during a secret
    rotation two, space-separated). Verify with any Standard Webhooks library.

    The response carries the signing `secret` (`whsec_…`) **once**; it is never shown again.

    `url` must be `https://` and its host must resolve only to public addresses (loopback,
    private, link-local, metadata and IPv4-mapped forms are refused, as for destination RTMP
    URLs); plain `http://` is accepted only for networks the deployment allows
    (`TRAX_OUTBOUND_ALLOWED_NETWORKS`, for local development). Every delivery checks the
    address again and connects to exactly the address it checked.

    Delivery is at least once: 15 s timeout, redirects not followed, any 2xx is success.
    Retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter), or after the
    receiver's `Retry-After` on 429/503. `410 Gone` disables the endpoint at once; an
    endpoint failing continuously for 5 days is disabled; both record `webhook.disabled`.

    Args:
        idempotency_key (str | Unset):
        body (CreateWebhookRequest): A new webhook endpoint.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | WebhookWithSecret]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWebhookRequest,
    idempotency_key: str | Unset = UNSET,
) -> Error | WebhookWithSecret | None:
    """Register a webhook endpoint

     Registers an endpoint that receives the account's events (all types, or those named in
    `eventTypes`) as signed POSTs per Standard Webhooks 1.0: headers `webhook-id` (the event
    id, the same on every retry: de-duplicate by it), `webhook-timestamp` and
    `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; during a secret
    rotation two, space-separated). Verify with any Standard Webhooks library.

    The response carries the signing `secret` (`whsec_…`) **once**; it is never shown again.

    `url` must be `https://` and its host must resolve only to public addresses (loopback,
    private, link-local, metadata and IPv4-mapped forms are refused, as for destination RTMP
    URLs); plain `http://` is accepted only for networks the deployment allows
    (`TRAX_OUTBOUND_ALLOWED_NETWORKS`, for local development). Every delivery checks the
    address again and connects to exactly the address it checked.

    Delivery is at least once: 15 s timeout, redirects not followed, any 2xx is success.
    Retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter), or after the
    receiver's `Retry-After` on 429/503. `410 Gone` disables the endpoint at once; an
    endpoint failing continuously for 5 days is disabled; both record `webhook.disabled`.

    Args:
        idempotency_key (str | Unset):
        body (CreateWebhookRequest): A new webhook endpoint.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | WebhookWithSecret
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWebhookRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | WebhookWithSecret]:
    """Register a webhook endpoint

     Registers an endpoint that receives the account's events (all types, or those named in
    `eventTypes`) as signed POSTs per Standard Webhooks 1.0: headers `webhook-id` (the event
    id, the same on every retry: de-duplicate by it), `webhook-timestamp` and
    `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; during a secret
    rotation two, space-separated). Verify with any Standard Webhooks library.

    The response carries the signing `secret` (`whsec_…`) **once**; it is never shown again.

    `url` must be `https://` and its host must resolve only to public addresses (loopback,
    private, link-local, metadata and IPv4-mapped forms are refused, as for destination RTMP
    URLs); plain `http://` is accepted only for networks the deployment allows
    (`TRAX_OUTBOUND_ALLOWED_NETWORKS`, for local development). Every delivery checks the
    address again and connects to exactly the address it checked.

    Delivery is at least once: 15 s timeout, redirects not followed, any 2xx is success.
    Retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter), or after the
    receiver's `Retry-After` on 429/503. `410 Gone` disables the endpoint at once; an
    endpoint failing continuously for 5 days is disabled; both record `webhook.disabled`.

    Args:
        idempotency_key (str | Unset):
        body (CreateWebhookRequest): A new webhook endpoint.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | WebhookWithSecret]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWebhookRequest,
    idempotency_key: str | Unset = UNSET,
) -> Error | WebhookWithSecret | None:
    """Register a webhook endpoint

     Registers an endpoint that receives the account's events (all types, or those named in
    `eventTypes`) as signed POSTs per Standard Webhooks 1.0: headers `webhook-id` (the event
    id, the same on every retry: de-duplicate by it), `webhook-timestamp` and
    `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; during a secret
    rotation two, space-separated). Verify with any Standard Webhooks library.

    The response carries the signing `secret` (`whsec_…`) **once**; it is never shown again.

    `url` must be `https://` and its host must resolve only to public addresses (loopback,
    private, link-local, metadata and IPv4-mapped forms are refused, as for destination RTMP
    URLs); plain `http://` is accepted only for networks the deployment allows
    (`TRAX_OUTBOUND_ALLOWED_NETWORKS`, for local development). Every delivery checks the
    address again and connects to exactly the address it checked.

    Delivery is at least once: 15 s timeout, redirects not followed, any 2xx is success.
    Retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter), or after the
    receiver's `Retry-After` on 429/503. `410 Gone` disables the endpoint at once; an
    endpoint failing continuously for 5 days is disabled; both record `webhook.disabled`.

    Args:
        idempotency_key (str | Unset):
        body (CreateWebhookRequest): A new webhook endpoint.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | WebhookWithSecret
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
