from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_destination_request import CreateDestinationRequest
from ...models.destination import Destination
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    studio_id: str,
    *,
    body: CreateDestinationRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/studios/{studio_id}/destinations".format(
            studio_id=quote(str(studio_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Destination | Error | None:
    if response.status_code == 201:
        response_201 = Destination.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Destination | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateDestinationRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Destination | Error]:
    """Add a destination

     Adds a platform output. `youtube`, `twitch` and `facebook` default `rtmpUrl` to the
    platform's ingest; every other platform (`custom_rtmp` included) needs one. A given
    `rtmpUrl` must be `rtmp://` or `rtmps://` and its host must resolve only to public
    addresses (loopback, private, link-local and cloud-metadata addresses are refused,
    `400 invalid_request`). `streamKey` is write-only: it is never returned, logged or
    echoed in an error. `connectionId`, when given, must name a linked connection of the
    same account and platform. A studio holds at most 25 destinations (`409 limit_reached`).
    Added to a studio that is live, an enabled destination starts at once and must have a
    stream key (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        idempotency_key (str | Unset):
        body (CreateDestinationRequest): The fields of a new destination.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Destination | Error]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateDestinationRequest,
    idempotency_key: str | Unset = UNSET,
) -> Destination | Error | None:
    """Add a destination

     Adds a platform output. `youtube`, `twitch` and `facebook` default `rtmpUrl` to the
    platform's ingest; every other platform (`custom_rtmp` included) needs one. A given
    `rtmpUrl` must be `rtmp://` or `rtmps://` and its host must resolve only to public
    addresses (loopback, private, link-local and cloud-metadata addresses are refused,
    `400 invalid_request`). `streamKey` is write-only: it is never returned, logged or
    echoed in an error. `connectionId`, when given, must name a linked connection of the
    same account and platform. A studio holds at most 25 destinations (`409 limit_reached`).
    Added to a studio that is live, an enabled destination starts at once and must have a
    stream key (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        idempotency_key (str | Unset):
        body (CreateDestinationRequest): The fields of a new destination.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Destination | Error
    """

    return sync_detailed(
        studio_id=studio_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateDestinationRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Destination | Error]:
    """Add a destination

     Adds a platform output. `youtube`, `twitch` and `facebook` default `rtmpUrl` to the
    platform's ingest; every other platform (`custom_rtmp` included) needs one. A given
    `rtmpUrl` must be `rtmp://` or `rtmps://` and its host must resolve only to public
    addresses (loopback, private, link-local and cloud-metadata addresses are refused,
    `400 invalid_request`). `streamKey` is write-only: it is never returned, logged or
    echoed in an error. `connectionId`, when given, must name a linked connection of the
    same account and platform. A studio holds at most 25 destinations (`409 limit_reached`).
    Added to a studio that is live, an enabled destination starts at once and must have a
    stream key (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        idempotency_key (str | Unset):
        body (CreateDestinationRequest): The fields of a new destination.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Destination | Error]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateDestinationRequest,
    idempotency_key: str | Unset = UNSET,
) -> Destination | Error | None:
    """Add a destination

     Adds a platform output. `youtube`, `twitch` and `facebook` default `rtmpUrl` to the
    platform's ingest; every other platform (`custom_rtmp` included) needs one. A given
    `rtmpUrl` must be `rtmp://` or `rtmps://` and its host must resolve only to public
    addresses (loopback, private, link-local and cloud-metadata addresses are refused,
    `400 invalid_request`). `streamKey` is write-only: it is never returned, logged or
    echoed in an error. `connectionId`, when given, must name a linked connection of the
    same account and platform. A studio holds at most 25 destinations (`409 limit_reached`).
    Added to a studio that is live, an enabled destination starts at once and must have a
    stream key (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        idempotency_key (str | Unset):
        body (CreateDestinationRequest): The fields of a new destination.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Destination | Error
    """

    return (
        await asyncio_detailed(
            studio_id=studio_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
