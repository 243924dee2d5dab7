from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.destination_stream_status import DestinationStreamStatus
    from ..models.ingest_availability import IngestAvailability
    from ..models.stream_health import StreamHealth
    from ..models.stream_program_type_0 import StreamProgramType0


T = TypeVar("T", bound="StreamStatus")


@_attrs_define
class StreamStatus:
    """A studio's stream: its state, what plays and how each destination's output is doing.

    Attributes:
        studio_id (str): The studio. Example: studio_01JDQ2Z8M6Q1W3E5R7T9Y1V3K5.
        state (str): Where the studio is in its stream lifecycle:
            `offline → starting → live → stopping → offline`, or `errored`. A studio is `starting`
            until its first destination receives output, and `stopping` until its relay has
            stopped every process. Stream-status reports a studio that nothing runs as `errored`
            (see `StreamStatus.reason`), never `live` with nothing being sent; a studio's
            `streamState` is the recorded state, so read stream-status for the truth. Extensible: new states may be added
            within /v1; treat an
            unknown state as "not live".
             Example: offline.
        started_at (datetime.datetime | None): When the current stream started; `null` unless starting, live or
            stopping. Example: 2026-11-21T19:00:00.000Z.
        health (StreamHealth): Measured stream health, from the relay's ffmpeg processes (`-progress`, refreshed
            every second while live). Every figure is `null` where nothing measures it: for an
            output that is not `live`, and on a deployment whose engine relays no media.
        destinations (list[DestinationStreamStatus]): One entry per destination of the studio.
        reason (None | str | Unset): Why the studio is `errored`; `null` otherwise. Extensible:
            `relay_unavailable` (no relay worker has run the studio for longer than twice the
            relay lease, 20 s by default: nothing is being sent; it clears by itself when a
            worker takes the studio over), `outputs_failed` (every output kept failing for the
            relay's give-up time, 5 minutes by default, and the relay stopped the studio),
            `input_lost` (the program could not be played for that long), `stream_failed`
            (the engine failed to start). Go live again to retry.
        program (None | StreamProgramType0 | Unset): What the studio sends to its destinations. The program is the first
            enabled source
            that has a signal, oldest first (a `media` source always has one: its asset, looped);
            with none, a `slate` (a card with the studio's name, and silence) keeps destinations
            connected. `null` while nothing plays (offline, or before the relay has started it).
        ingest (IngestAvailability | Unset): Whether this deployment accepts publishers for each network source kind
            right now.
            `available`: an ingest is running (for `rtmp` in the embedded deployment, nginx with
            the RTMP module next to a relay worker). `unavailable`: none is; sources of that kind
            stay `idle` and never become the program. The embedded deployment has no `srt` or
            `whip` ingest, so those are always `unavailable` there.
    """

    studio_id: str
    state: str
    started_at: datetime.datetime | None
    health: StreamHealth
    destinations: list[DestinationStreamStatus]
    reason: None | str | Unset = UNSET
    program: None | StreamProgramType0 | Unset = UNSET
    ingest: IngestAvailability | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.stream_program_type_0 import StreamProgramType0  # noqa: PLC0415

        studio_id = self.studio_id

        state = self.state

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        health = self.health.to_dict()

        destinations = []
        for destinations_item_data in self.destinations:
            destinations_item = destinations_item_data.to_dict()
            destinations.append(destinations_item)

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        program: dict[str, Any] | None | Unset
        if isinstance(self.program, Unset):
            program = UNSET
        elif isinstance(self.program, StreamProgramType0):
            program = self.program.to_dict()
        else:
            program = self.program

        ingest: dict[str, Any] | Unset = UNSET
        if not isinstance(self.ingest, Unset):
            ingest = self.ingest.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "studioId": studio_id,
                "state": state,
                "startedAt": started_at,
                "health": health,
                "destinations": destinations,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason
        if program is not UNSET:
            field_dict["program"] = program
        if ingest is not UNSET:
            field_dict["ingest"] = ingest

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.destination_stream_status import DestinationStreamStatus  # noqa: PLC0415
        from ..models.ingest_availability import IngestAvailability  # noqa: PLC0415
        from ..models.stream_health import StreamHealth  # noqa: PLC0415
        from ..models.stream_program_type_0 import StreamProgramType0  # noqa: PLC0415

        d = dict(src_dict)
        studio_id = d.pop("studioId")

        state = d.pop("state")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("startedAt"))

        health = StreamHealth.from_dict(d.pop("health"))

        destinations = []
        _destinations = d.pop("destinations")
        for destinations_item_data in _destinations:
            destinations_item = DestinationStreamStatus.from_dict(destinations_item_data)

            destinations.append(destinations_item)

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_program(data: object) -> None | StreamProgramType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_stream_program_type_0 = StreamProgramType0.from_dict(data)

                return componentsschemas_stream_program_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StreamProgramType0 | Unset, data)

        program = _parse_program(d.pop("program", UNSET))

        _ingest = d.pop("ingest", UNSET)
        ingest: IngestAvailability | Unset
        if isinstance(_ingest, Unset):
            ingest = UNSET
        else:
            ingest = IngestAvailability.from_dict(_ingest)

        stream_status = cls(
            studio_id=studio_id,
            state=state,
            started_at=started_at,
            health=health,
            destinations=destinations,
            reason=reason,
            program=program,
            ingest=ingest,
        )

        stream_status.additional_properties = d
        return stream_status

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
