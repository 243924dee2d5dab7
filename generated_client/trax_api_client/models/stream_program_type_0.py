from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StreamProgramType0")


@_attrs_define
class StreamProgramType0:
    """What the studio sends to its destinations. The program is the first enabled source
    that has a signal, oldest first (a `media` source always has one: its asset, looped);
    with none, a `slate` (a card with the studio's name, and silence) keeps destinations
    connected. `null` while nothing plays (offline, or before the relay has started it).

        Attributes:
            kind (str): `source` or `slate`. Extensible. Example: source.
            source_id (None | str): The source playing when `kind` is `source`; `null` for the slate. Example:
                src_01JDQ3A1B2C3D4E5F6G7H8J9K0.
    """

    kind: str
    source_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind

        source_id: None | str
        source_id = self.source_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "sourceId": source_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = d.pop("kind")

        def _parse_source_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_id = _parse_source_id(d.pop("sourceId"))

        stream_program_type_0 = cls(
            kind=kind,
            source_id=source_id,
        )

        stream_program_type_0.additional_properties = d
        return stream_program_type_0

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
