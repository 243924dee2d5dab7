from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StreamHealth")


@_attrs_define
class StreamHealth:
    """Measured stream health, from the relay's ffmpeg processes (`-progress`, refreshed
    every second while live). Every figure is `null` where nothing measures it: for an
    output that is not `live`, and on a deployment whose engine relays no media.

        Attributes:
            bitrate_kbps (int | None): The output's measured bitrate in kbit/s; `null` when nothing measures it.
            frames_per_second (float | None): The output's measured frame rate; `null` when nothing measures it.
            dropped_frames (int | None): Frames dropped since the output started; `null` when nothing measures it.
    """

    bitrate_kbps: int | None
    frames_per_second: float | None
    dropped_frames: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bitrate_kbps: int | None
        bitrate_kbps = self.bitrate_kbps

        frames_per_second: float | None
        frames_per_second = self.frames_per_second

        dropped_frames: int | None
        dropped_frames = self.dropped_frames

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bitrateKbps": bitrate_kbps,
                "framesPerSecond": frames_per_second,
                "droppedFrames": dropped_frames,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_bitrate_kbps(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        bitrate_kbps = _parse_bitrate_kbps(d.pop("bitrateKbps"))

        def _parse_frames_per_second(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        frames_per_second = _parse_frames_per_second(d.pop("framesPerSecond"))

        def _parse_dropped_frames(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        dropped_frames = _parse_dropped_frames(d.pop("droppedFrames"))

        stream_health = cls(
            bitrate_kbps=bitrate_kbps,
            frames_per_second=frames_per_second,
            dropped_frames=dropped_frames,
        )

        stream_health.additional_properties = d
        return stream_health

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
