import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.chat_message_list import ChatMessageList
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    studio_id: str,
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/studios/{studio_id}/chat/messages".format(
            studio_id=quote(str(studio_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ChatMessageList | Error | None:
    if response.status_code == 200:
        response_200 = ChatMessageList.from_dict(response.json())

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
) -> Response[ChatMessageList | Error]:
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
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> Response[ChatMessageList | Error]:
    """Read the studio's unified chat

     Messages of every platform plus those sent through the API, oldest first (keyset
    pagination on `id`, which is creation order). To poll, pass `since` = the `createdAt`
    of the newest message you hold: `since` is inclusive, so that message comes back too;
    de-duplicate by `id`. Without `since` the list starts at the oldest retained message.

    Args:
        studio_id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChatMessageList | Error]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        limit=limit,
        cursor=cursor,
        since=since,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> ChatMessageList | Error | None:
    """Read the studio's unified chat

     Messages of every platform plus those sent through the API, oldest first (keyset
    pagination on `id`, which is creation order). To poll, pass `since` = the `createdAt`
    of the newest message you hold: `since` is inclusive, so that message comes back too;
    de-duplicate by `id`. Without `since` the list starts at the oldest retained message.

    Args:
        studio_id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChatMessageList | Error
    """

    return sync_detailed(
        studio_id=studio_id,
        client=client,
        limit=limit,
        cursor=cursor,
        since=since,
    ).parsed


async def asyncio_detailed(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> Response[ChatMessageList | Error]:
    """Read the studio's unified chat

     Messages of every platform plus those sent through the API, oldest first (keyset
    pagination on `id`, which is creation order). To poll, pass `since` = the `createdAt`
    of the newest message you hold: `since` is inclusive, so that message comes back too;
    de-duplicate by `id`. Without `since` the list starts at the oldest retained message.

    Args:
        studio_id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChatMessageList | Error]
    """

    kwargs = _get_kwargs(
        studio_id=studio_id,
        limit=limit,
        cursor=cursor,
        since=since,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    studio_id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
) -> ChatMessageList | Error | None:
    """Read the studio's unified chat

     Messages of every platform plus those sent through the API, oldest first (keyset
    pagination on `id`, which is creation order). To poll, pass `since` = the `createdAt`
    of the newest message you hold: `since` is inclusive, so that message comes back too;
    de-duplicate by `id`. Without `since` the list starts at the oldest retained message.

    Args:
        studio_id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        since (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChatMessageList | Error
    """

    return (
        await asyncio_detailed(
            studio_id=studio_id,
            client=client,
            limit=limit,
            cursor=cursor,
            since=since,
        )
    ).parsed
