from enum import StrEnum


class SourceKind(StrEnum):
    MEDIA = "media"
    RTMP = "rtmp"
    SRT = "srt"
    WHIP = "whip"

    def __str__(self) -> str:
        return str(self.value)
