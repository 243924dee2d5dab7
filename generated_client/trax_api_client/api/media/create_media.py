from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_media_request import CreateMediaRequest
from ...models.created_media_asset import CreatedMediaAsset
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateMediaRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/media",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreatedMediaAsset | Error | None:
    if response.status_code == 201:
        response_201 = CreatedMediaAsset.from_dict(response.json())

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
) -> Response[CreatedMediaAsset | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateMediaRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[CreatedMediaAsset | Error]:
    """Start a media upload

     Registers a media asset (`pending_upload`) and returns it with a presigned upload:
    send the file's bytes as the body of one HTTP request with `upload.method` to
    `upload.url`, with exactly the headers in `upload.headers` (`Content-Type` and
    `Content-Length` are bound to the URL's signature), before `upload.expiresAt`. The
    URL needs no API key. It may point at this server (`/uploads/…`, the embedded store) or
    at an S3-compatible object store, depending on the deployment.

    The asset becomes `ready` only once the upload is checked: its size must equal `size`
    and its type `contentType`. The embedded store checks while receiving and refuses a
    wrong size or type, an expired URL or a tampered signature, storing nothing (the URL
    can be used again until it expires). With an object store, the check happens when the
    asset is next read (`get_media`, `list_media`): a mismatching object makes it `failed`.
    An upload that has not completed by `upload.expiresAt` makes the asset `expired`.

    `size` may not exceed this deployment's maximum (5 GiB unless configured lower; a size
    over a lower configured maximum is `400 invalid_request`).

    Args:
        idempotency_key (str | Unset):
        body (CreateMediaRequest): The file to add to the media library; the response holds where
            to upload it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedMediaAsset | Error]
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
    body: CreateMediaRequest,
    idempotency_key: str | Unset = UNSET,
) -> CreatedMediaAsset | Error | None:
    """Start a media upload

     Registers a media asset (`pending_upload`) and returns it with a presigned upload:
    send the file's bytes as the body of one HTTP request with `upload.method` to
    `upload.url`, with exactly the headers in `upload.headers` (`Content-Type` and
    `Content-Length` are bound to the URL's signature), before `upload.expiresAt`. The
    URL needs no API key. It may point at this server (`/uploads/…`, the embedded store) or
    at an S3-compatible object store, depending on the deployment.

    The asset becomes `ready` only once the upload is checked: its size must equal `size`
    and its type `contentType`. The embedded store checks while receiving and refuses a
    wrong size or type, an expired URL or a tampered signature, storing nothing (the URL
    can be used again until it expires). With an object store, the check happens when the
    asset is next read (`get_media`, `list_media`): a mismatching object makes it `failed`.
    An upload that has not completed by `upload.expiresAt` makes the asset `expired`.

    `size` may not exceed this deployment's maximum (5 GiB unless configured lower; a size
    over a lower configured maximum is `400 invalid_request`).

    Args:
        idempotency_key (str | Unset):
        body (CreateMediaRequest): The file to add to the media library; the response holds where
            to upload it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedMediaAsset | Error
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateMediaRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[CreatedMediaAsset | Error]:
    """Start a media upload

     Registers a media asset (`pending_upload`) and returns it with a presigned upload:
    send the file's bytes as the body of one HTTP request with `upload.method` to
    `upload.url`, with exactly the headers in `upload.headers` (`Content-Type` and
    `Content-Length` are bound to the URL's signature), before `upload.expiresAt`. The
    URL needs no API key. It may point at this server (`/uploads/…`, the embedded store) or
    at an S3-compatible object store, depending on the deployment.

    The asset becomes `ready` only once the upload is checked: its size must equal `size`
    and its type `contentType`. The embedded store checks while receiving and refuses a
    wrong size or type, an expired URL or a tampered signature, storing nothing (the URL
    can be used again until it expires). With an object store, the check happens when the
    asset is next read (`get_media`, `list_media`): a mismatching object makes it `failed`.
    An upload that has not completed by `upload.expiresAt` makes the asset `expired`.

    `size` may not exceed this deployment's maximum (5 GiB unless configured lower; a size
    over a lower configured maximum is `400 invalid_request`).

    Args:
        idempotency_key (str | Unset):
        body (CreateMediaRequest): The file to add to the media library; the response holds where
            to upload it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedMediaAsset | Error]
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
    body: CreateMediaRequest,
    idempotency_key: str | Unset = UNSET,
) -> CreatedMediaAsset | Error | None:
    """Start a media upload

     Registers a media asset (`pending_upload`) and returns it with a presigned upload:
    send the file's bytes as the body of one HTTP request with `upload.method` to
    `upload.url`, with exactly the headers in `upload.headers` (`Content-Type` and
    `Content-Length` are bound to the URL's signature), before `upload.expiresAt`. The
    URL needs no API key. It may point at this server (`/uploads/…`, the embedded store) or
    at an S3-compatible object store, depending on the deployment.

    The asset becomes `ready` only once the upload is checked: its size must equal `size`
    and its type `contentType`. The embedded store checks while receiving and refuses a
    wrong size or type, an expired URL or a tampered signature, storing nothing (the URL
    can be used again until it expires). With an object store, the check happens when the
    asset is next read (`get_media`, `list_media`): a mismatching object makes it `failed`.
    An upload that has not completed by `upload.expiresAt` makes the asset `expired`.

    `size` may not exceed this deployment's maximum (5 GiB unless configured lower; a size
    over a lower configured maximum is `400 invalid_request`).

    Args:
        idempotency_key (str | Unset):
        body (CreateMediaRequest): The file to add to the media library; the response holds where
            to upload it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedMediaAsset | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
