from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.studio import Studio
from ...models.update_studio_request import UpdateStudioRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    studio_id: str,
    *,
    body: UpdateStudioRequest,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/studios/{studio_id}".format(
            studio_id=quote(str(studio_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Studio | None:
    if response.status_code == 200:
        response_200 = Studio.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Studio]:
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
    body: UpdateStudioRequest,
    if_match: str | Unset = UNSET,
) -> Response[Error | Studio]:
    """Update a studio

     Changes the studio's `name` and/or `autoGoLive`. Fields left out keep their value; an
    empty object changes nothing and returns the studio as it is.

    Args:
        studio_id (str):
        if_match (str | Unset):
        body (UpdateStudioRequest): The fields to change on a studio; absent fields keep their
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Studio]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateStudioRequest,
    if_match: str | Unset = UNSET,
) -> Error | Studio | None:
    """Update a studio

     Changes the studio's `name` and/or `autoGoLive`. Fields left out keep their value; an
    empty object changes nothing and returns the studio as it is.

    Args:
        studio_id (str):
        if_match (str | Unset):
        body (UpdateStudioRequest): The fields to change on a studio; absent fields keep their
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Studio
    """

    return sync_detailed(
        studio_id=studio_id,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateStudioRequest,
    if_match: str | Unset = UNSET,
) -> Response[Error | Studio]:
    """Update a studio

     Changes the studio's `name` and/or `autoGoLive`. Fields left out keep their value; an
    empty object changes nothing and returns the studio as it is.

    Args:
        studio_id (str):
        if_match (str | Unset):
        body (UpdateStudioRequest): The fields to change on a studio; absent fields keep their
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Studio]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        body=body,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateStudioRequest,
    if_match: str | Unset = UNSET,
) -> Error | Studio | None:
    """Update a studio

     Changes the studio's `name` and/or `autoGoLive`. Fields left out keep their value; an
    empty object changes nothing and returns the studio as it is.

    Args:
        studio_id (str):
        if_match (str | Unset):
        body (UpdateStudioRequest): The fields to change on a studio; absent fields keep their
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Studio
    """

    return (
        await asyncio_detailed(
            studio_id=studio_id,
            client=client,
            body=body,
            if_match=if_match,
        )
    ).parsed
