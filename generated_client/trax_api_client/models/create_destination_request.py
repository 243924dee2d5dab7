from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.destination_platform import DestinationPlatform
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateDestinationRequest")


@_attrs_define
class CreateDestinationRequest:
    """The fields of a new destination.

    Attributes:
        platform (DestinationPlatform): The platform. In responses `platform` is extensible (`x-extensible-enum`): new
            platforms may appear.
             Example: youtube.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        rtmp_url (str | Unset): `rtmp://` or `rtmps://` ingest URL. Its host must resolve only to public addresses.
             Example: rtmps://relay.example.com:443/live.
        stream_key (str | Unset): The platform's stream key: 8–256 printable ASCII characters, no spaces. Write-only.
             Example: abcd-efgh-ijkl-7f3k.
        enabled (bool | Unset): Defaults to `true`. Default: True. Example: True.
        connection_id (str | Unset): A linked connection of the same platform (`conn_…`). Example:
            conn_01JDQ3D1E2F3G4H5J6K7M8N9P0.
    """

    platform: DestinationPlatform
    name: str
    rtmp_url: str | Unset = UNSET
    stream_key: str | Unset = UNSET
    enabled: bool | Unset = True
    connection_id: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        platform = self.platform.value

        name = self.name

        rtmp_url = self.rtmp_url

        stream_key = self.stream_key

        enabled = self.enabled

        connection_id = self.connection_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "platform": platform,
                "name": name,
            }
        )
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
        platform = DestinationPlatform(d.pop("platform"))

        name = d.pop("name")

        rtmp_url = d.pop("rtmpUrl", UNSET)

        stream_key = d.pop("streamKey", UNSET)

        enabled = d.pop("enabled", UNSET)

        connection_id = d.pop("connectionId", UNSET)

        create_destination_request = cls(
            platform=platform,
            name=name,
            rtmp_url=rtmp_url,
            stream_key=stream_key,
            enabled=enabled,
            connection_id=connection_id,
        )

        return create_destination_request
