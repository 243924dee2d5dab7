from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Studio")


@_attrs_define
class Studio:
    """A studio: one live program, made of sources and sent to destinations.

    Attributes:
        id (str): `studio_` followed by a ULID; sorts in creation order. Example: studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        auto_go_live (bool): Whether the studio goes live by itself when a source connects. Example: False.
        stream_state (str): Where the studio is in its stream lifecycle:
            `offline → starting → live → stopping → offline`, or `errored`. A studio is `starting`
            until its first destination receives output, and `stopping` until its relay has
            stopped every process. Stream-status reports a studio that nothing runs as `errored`
            (see `StreamStatus.reason`), never `live` with nothing being sent; a studio's
            `streamState` is the recorded state, so read stream-status for the truth. Extensible: new states may be added
            within /v1; treat an
            unknown state as "not live".
             Example: offline.
        created_at (datetime.datetime): When the studio was created. Example: 2026-11-20T18:04:05.123Z.
        updated_at (datetime.datetime): When the studio last changed (its fields or its stream state). Example:
            2026-11-20T18:04:05.123Z.
    """

    id: str
    name: str
    auto_go_live: bool
    stream_state: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        auto_go_live = self.auto_go_live

        stream_state = self.stream_state

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "autoGoLive": auto_go_live,
                "streamState": stream_state,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        auto_go_live = d.pop("autoGoLive")

        stream_state = d.pop("streamState")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        studio = cls(
            id=id,
            name=name,
            auto_go_live=auto_go_live,
            stream_state=stream_state,
            created_at=created_at,
            updated_at=updated_at,
        )

        studio.additional_properties = d
        return studio

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
