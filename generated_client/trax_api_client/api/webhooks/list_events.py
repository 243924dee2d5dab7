import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_list import EventList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    type_: list[str] | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_type_: list[str] | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_

    params["type"] = json_type_

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/events",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | EventList | None:
    if response.status_code == 200:
        response_200 = EventList.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | EventList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    type_: list[str] | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> Response[Error | EventList]:
    """List events

     The account's events of the last 30 days, oldest first (keyset pagination on `id`,
    which is creation order). Every state change an integrator cares about is an event,
    written in the same transaction as the change itself: no event without its change, no
    change without its event. Filter by `type` (repeat it for several) and by `since`
    (inclusive). This feed and the webhook deliveries carry the same event objects.

    Needs `webhooks:manage` (no separate scope: events and webhooks go together).

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        type_ (list[str] | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventList]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        type_=type_,
        since=since,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    type_: list[str] | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> Error | EventList | None:
    """List events

     The account's events of the last 30 days, oldest first (keyset pagination on `id`,
    which is creation order). Every state change an integrator cares about is an event,
    written in the same transaction as the change itself: no event without its change, no
    change without its event. Filter by `type` (repeat it for several) and by `since`
    (inclusive). This feed and the webhook deliveries carry the same event objects.

    Needs `webhooks:manage` (no separate scope: events and webhooks go together).

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        type_ (list[str] | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventList
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        type_=type_,
        since=since,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    type_: list[str] | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> Response[Error | EventList]:
    """List events

     The account's events of the last 30 days, oldest first (keyset pagination on `id`,
    which is creation order). Every state change an integrator cares about is an event,
    written in the same transaction as the change itself: no event without its change, no
    change without its event. Filter by `type` (repeat it for several) and by `since`
    (inclusive). This feed and the webhook deliveries carry the same event objects.

    Needs `webhooks:manage` (no separate scope: events and webhooks go together).

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        type_ (list[str] | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventList]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        type_=type_,
        since=since,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    type_: list[str] | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> Error | EventList | None:
    """List events

     The account's events of the last 30 days, oldest first (keyset pagination on `id`,
    which is creation order). Every state change an integrator cares about is an event,
    written in the same transaction as the change itself: no event without its change, no
    change without its event. Filter by `type` (repeat it for several) and by `since`
    (inclusive). This feed and the webhook deliveries carry the same event objects.

    Needs `webhooks:manage` (no separate scope: events and webhooks go together).

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        type_ (list[str] | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventList
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            type_=type_,
            since=since,
        )
    ).parsed
