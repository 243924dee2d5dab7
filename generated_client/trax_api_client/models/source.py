from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.source_ingest_type_0 import SourceIngestType0


T = TypeVar("T", bound="Source")


@_attrs_define
class Source:
    """A source of a studio: a feed published to the ingest, or a file of the media library.

    Attributes:
        id (str): `source_` followed by a ULID. Example: source_01JDQ3A1B2C3D4E5F6G7H8J9K0.
        studio_id (str): The studio the source belongs to. Example: studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5.
        kind (str): `rtmp`, `srt`, `whip` or `media`. Extensible: tolerate new kinds. Example: rtmp.
        name (str): A display name: 1–100 characters, not only white space, no control characters.
             Example: Friday night show.
        enabled (bool): A disabled source is not mixed into the program. Example: True.
        status (str): What the ingest reports: `idle` (no publisher), `live` (a publisher is connected
            on the source's stream path: the source has a signal and can be the program) or
            `errored`. Extensible; `connected`, listed up to 1.2.0, is not sent (treat it
            like `live`). The embedded deployment's `rtmp` ingest is Debian's nginx with the
            RTMP module, run next to the relay: it accepts a publisher only on an `rtmp`
            source's stream path, over plain RTMP (the `rtmps` endpoint needs a TLS
            terminator in front of it). Where nginx-rtmp is not installed, and always for
            `srt` and `whip` (no embedded ingest), sources stay `idle`, never become the
            program, and `StreamStatus.ingest` says so.
             Example: idle.
        ingest (None | SourceIngestType0): Server-generated ingest details of a network source: where to publish its
            feed. `null`
            for a `media` source.
        media_id (None | str): The media library asset a `media` source plays; `null` for other kinds.
        created_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
        updated_at (datetime.datetime): RFC 3339, UTC. Example: 2026-11-20T18:04:05.123Z.
    """

    id: str
    studio_id: str
    kind: str
    name: str
    enabled: bool
    status: str
    ingest: None | SourceIngestType0
    media_id: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_ingest_type_0 import SourceIngestType0  # noqa: PLC0415

        id = self.id

        studio_id = self.studio_id

        kind = self.kind

        name = self.name

        enabled = self.enabled

        status = self.status

        ingest: dict[str, Any] | None
        if isinstance(self.ingest, SourceIngestType0):
            ingest = self.ingest.to_dict()
        else:
            ingest = self.ingest

        media_id: None | str
        media_id = self.media_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "studioId": studio_id,
                "kind": kind,
                "name": name,
                "enabled": enabled,
                "status": status,
                "ingest": ingest,
                "mediaId": media_id,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_ingest_type_0 import SourceIngestType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        studio_id = d.pop("studioId")

        kind = d.pop("kind")

        name = d.pop("name")

        enabled = d.pop("enabled")

        status = d.pop("status")

        def _parse_ingest(data: object) -> None | SourceIngestType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_source_ingest_type_0 = SourceIngestType0.from_dict(data)

                return componentsschemas_source_ingest_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceIngestType0, data)

        ingest = _parse_ingest(d.pop("ingest"))

        def _parse_media_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        media_id = _parse_media_id(d.pop("mediaId"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        source = cls(
            id=id,
            studio_id=studio_id,
            kind=kind,
            name=name,
            enabled=enabled,
            status=status,
            ingest=ingest,
            media_id=media_id,
            created_at=created_at,
            updated_at=updated_at,
        )

        source.additional_properties = d
        return source

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
