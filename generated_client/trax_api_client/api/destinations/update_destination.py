from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.destination import Destination
from ...models.error import Error
from ...models.update_destination_request import UpdateDestinationRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    studio_id: str,
    destination_id: str,
    *,
    body: UpdateDestinationRequest,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/studios/{studio_id}/destinations/{destination_id}".format(
            studio_id=quote(str(studio_id), safe=""),
            destination_id=quote(str(destination_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Destination | Error | None:
    if response.status_code == 200:
        response_200 = Destination.from_dict(response.json())

        return response_200

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

    if response.status_code == 412:
        response_412 = Error.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

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
    destination_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateDestinationRequest,
    if_match: str | Unset = UNSET,
) -> Response[Destination | Error]:
    """Update a destination

     Changes the name, `rtmpUrl`, stream key, `enabled` or `connectionId` (the platform never
    changes). `streamKey: null` removes the key; `connectionId: null` unlinks the
    connection. While the studio is live, disabling a destination stops the output to it
    (`disabled` in the stream status), enabling one starts it, and a new `rtmpUrl` or key
    restarts it; an enabled destination must keep a stream key while the studio streams
    (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        destination_id (str):
        if_match (str | Unset):
        body (UpdateDestinationRequest): The fields to change on a destination; absent fields keep
            their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Destination | Error]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        destination_id=destination_id,
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    studio_id: str,
    destination_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateDestinationRequest,
    if_match: str | Unset = UNSET,
) -> Destination | Error | None:
    """Update a destination

     Changes the name, `rtmpUrl`, stream key, `enabled` or `connectionId` (the platform never
    changes). `streamKey: null` removes the key; `connectionId: null` unlinks the
    connection. While the studio is live, disabling a destination stops the output to it
    (`disabled` in the stream status), enabling one starts it, and a new `rtmpUrl` or key
    restarts it; an enabled destination must keep a stream key while the studio streams
    (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        destination_id (str):
        if_match (str | Unset):
        body (UpdateDestinationRequest): The fields to change on a destination; absent fields keep
            their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Destination | Error
    """

    return sync_detailed(
        studio_id=studio_id,
        destination_id=destination_id,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    studio_id: str,
    destination_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateDestinationRequest,
    if_match: str | Unset = UNSET,
) -> Response[Destination | Error]:
    """Update a destination

     Changes the name, `rtmpUrl`, stream key, `enabled` or `connectionId` (the platform never
    changes). `streamKey: null` removes the key; `connectionId: null` unlinks the
    connection. While the studio is live, disabling a destination stops the output to it
    (`disabled` in the stream status), enabling one starts it, and a new `rtmpUrl` or key
    restarts it; an enabled destination must keep a stream key while the studio streams
    (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        destination_id (str):
        if_match (str | Unset):
        body (UpdateDestinationRequest): The fields to change on a destination; absent fields keep
            their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Destination | Error]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        destination_id=destination_id,
        body=body,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    studio_id: str,
    destination_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateDestinationRequest,
    if_match: str | Unset = UNSET,
) -> Destination | Error | None:
    """Update a destination

     Changes the name, `rtmpUrl`, stream key, `enabled` or `connectionId` (the platform never
    changes). `streamKey: null` removes the key; `connectionId: null` unlinks the
    connection. While the studio is live, disabling a destination stops the output to it
    (`disabled` in the stream status), enabling one starts it, and a new `rtmpUrl` or key
    restarts it; an enabled destination must keep a stream key while the studio streams
    (`409 destination_missing_stream_key`).

    Args:
        studio_id (str):
        destination_id (str):
        if_match (str | Unset):
        body (UpdateDestinationRequest): The fields to change on a destination; absent fields keep
            their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Destination | Error
    """

    return (
        await asyncio_detailed(
            studio_id=studio_id,
            destination_id=destination_id,
            client=client,
            body=body,
            if_match=if_match,
        )
    ).parsed
