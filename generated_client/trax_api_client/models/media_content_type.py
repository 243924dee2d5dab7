from enum import StrEnum


class MediaContentType(StrEnum):
    AUDIOAAC = "audio/aac"
    AUDIOFLAC = "audio/flac"
    AUDIOMP4 = "audio/mp4"
    AUDIOMPEG = "audio/mpeg"
    AUDIOOGG = "audio/ogg"
    AUDIOWAV = "audio/wav"
    AUDIOWEBM = "audio/webm"
    IMAGEGIF = "image/gif"
    IMAGEJPEG = "image/jpeg"
    IMAGEPNG = "image/png"
    IMAGEWEBP = "image/webp"
    VIDEOMP4 = "video/mp4"
    VIDEOQUICKTIME = "video/quicktime"
    VIDEOWEBM = "video/webm"
    VIDEOX_MATROSKA = "video/x-matroska"

    def __str__(self) -> str:
        return str(self.value)
