from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateDestinationRequest")


@_attrs_define
class UpdateDestinationRequest:
    """The fields to change on a destination; absent fields keep their value.

    Attributes:
        name (str | Unset): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        rtmp_url (str | Unset): `rtmp://` or `rtmps://` ingest URL. Its host must resolve only to public addresses.
             Example: rtmps://relay.example.com:443/live.
        stream_key (None | str | Unset): A new stream key (8–256 printable ASCII characters), or `null` to remove it.
            Example: new-key-9a8b-77x2.
        enabled (bool | Unset): Whether the destination receives the program. Example: False.
        connection_id (None | str | Unset): A linked connection of the same platform, or `null` to unlink.
    """

    name: str | Unset = UNSET
    rtmp_url: str | Unset = UNSET
    stream_key: None | str | Unset = UNSET
    enabled: bool | Unset = UNSET
    connection_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        rtmp_url = self.rtmp_url

        stream_key: None | str | Unset
        if isinstance(self.stream_key, Unset):
            stream_key = UNSET
        else:
            stream_key = self.stream_key

        enabled = self.enabled

        connection_id: None | str | Unset
        if isinstance(self.connection_id, Unset):
            connection_id = UNSET
        else:
            connection_id = self.connection_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if rtmp_url is not UNSET:
            field_dict["rtmpUrl"] = rtmp_url
        if stream_key is not UNSET:
            field_dict["streamKey"] = stream_key
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if connection_id is not UNSET:
            field_dict["connectionId"] = connection_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        rtmp_url = d.pop("rtmpUrl", UNSET)

        def _parse_stream_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stream_key = _parse_stream_key(d.pop("streamKey", UNSET))

        enabled = d.pop("enabled", UNSET)

        def _parse_connection_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        connection_id = _parse_connection_id(d.pop("connectionId", UNSET))

        update_destination_request = cls(
            name=name,
            rtmp_url=rtmp_url,
            stream_key=stream_key,
            enabled=enabled,
            connection_id=connection_id,
        )

        return update_destination_request
