from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StreamEventDataPrevious")


@_attrs_define
class StreamEventDataPrevious:
    """The state the stream left.

    Attributes:
        state (str): Where the studio is in its stream lifecycle:
            `offline → starting → live → stopping → offline`, or `errored`. A studio is `starting`
            until its first destination receives output, and `stopping` until its relay has
            stopped every process. Stream-status reports a studio that nothing runs as `errored`
            (see `StreamStatus.reason`), never `live` with nothing being sent; a studio's
            `streamState` is the recorded state, so read stream-status for the truth. Extensible: new states may be added
            within /v1; treat an
            unknown state as "not live".
             Example: offline.
    """

    state: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        state = self.state

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        state = d.pop("state")

        stream_event_data_previous = cls(
            state=state,
        )

        stream_event_data_previous.additional_properties = d
        return stream_event_data_previous

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
