from enum import StrEnum


class SourceKind(StrEnum):
    RTMP = "rtmp"
    SRT = "srt"
    WHIP = "whip"

    def __str__(self) -> str:
        return str(self.value)
