from enum import StrEnum


class DestinationPlatform(StrEnum):
    CUSTOM_RTMP = "custom_rtmp"
    FACEBOOK = "facebook"
    KICK = "kick"
    LINKEDIN = "linkedin"
    TWITCH = "twitch"
    YOUTUBE = "youtube"

    def __str__(self) -> str:
        return str(self.value)
