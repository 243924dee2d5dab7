from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Destination")


@_attrs_define
class Destination:
    """A destination of a studio: an RTMP server the program is pushed to.

    Attributes:
        id (str): `dest_` followed by a ULID. Example: dest_01JDQ3B1C2D3E4F5G6H7J8K9M0.
        studio_id (str): The studio the destination belongs to. Example: studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5.
        platform (str): The platform. Extensible: tolerate new platforms. Example: youtube.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        rtmp_url (str): The RTMP server the program is pushed to (the stream key is never returned). Example:
            rtmp://a.rtmp.youtube.com/live2.
        enabled (bool): A disabled destination receives nothing when the studio goes live. Example: True.
        stream_key_set (bool): Whether a stream key is stored. The key itself is never returned. Example: True.
        stream_key_last_4 (None | str): The key's last four characters, or `null` when none is set. Example: 7f3k.
        connection_id (None | str): The linked platform account this destination uses, if any.
        created_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
        updated_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
    """

    id: str
    studio_id: str
    platform: str
    name: str
    rtmp_url: str
    enabled: bool
    stream_key_set: bool
    stream_key_last_4: None | str
    connection_id: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        studio_id = self.studio_id

        platform = self.platform

        name = self.name

        rtmp_url = self.rtmp_url

        enabled = self.enabled

        stream_key_set = self.stream_key_set

        stream_key_last_4: None | str
        stream_key_last_4 = self.stream_key_last_4

        connection_id: None | str
        connection_id = self.connection_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "studioId": studio_id,
                "platform": platform,
                "name": name,
                "rtmpUrl": rtmp_url,
                "enabled": enabled,
                "streamKeySet": stream_key_set,
                "streamKeyLast4": stream_key_last_4,
                "connectionId": connection_id,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        studio_id = d.pop("studioId")

        platform = d.pop("platform")

        name = d.pop("name")

        rtmp_url = d.pop("rtmpUrl")

        enabled = d.pop("enabled")

        stream_key_set = d.pop("streamKeySet")

        def _parse_stream_key_last_4(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        stream_key_last_4 = _parse_stream_key_last_4(d.pop("streamKeyLast4"))

        def _parse_connection_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        connection_id = _parse_connection_id(d.pop("connectionId"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        destination = cls(
            id=id,
            studio_id=studio_id,
            platform=platform,
            name=name,
            rtmp_url=rtmp_url,
            enabled=enabled,
            stream_key_set=stream_key_set,
            stream_key_last_4=stream_key_last_4,
            connection_id=connection_id,
            created_at=created_at,
            updated_at=updated_at,
        )

        destination.additional_properties = d
        return destination

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
