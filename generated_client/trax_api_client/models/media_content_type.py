from enum import StrEnum


class MediaContentType(StrEnum):
    AUDIO_AAC = "audio/aac"
    AUDIO_FLAC = "audio/flac"
    AUDIO_MP4 = "audio/mp4"
    AUDIO_MPEG = "audio/mpeg"
    AUDIO_OGG = "audio/ogg"
    AUDIO_WAV = "audio/wav"
    AUDIO_WEBM = "audio/webm"
    IMAGE_GIF = "image/gif"
    IMAGE_JPEG = "image/jpeg"
    IMAGE_PNG = "image/png"
    IMAGE_WEBP = "image/webp"
    VIDEO_MATROSKA = "video/x-matroska"
    VIDEO_MP4 = "video/mp4"
    VIDEO_QUICKTIME = "video/quicktime"
    VIDEO_WEBM = "video/webm"

    def __str__(self) -> str:
        return str(self.value)
