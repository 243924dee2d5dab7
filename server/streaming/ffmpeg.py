"""ffmpeg processes for the relay: where the binary is, the command lines, and the supervision
every process gets (its own process group, killed with the worker that started it)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
SLATE_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


@dataclass(frozen=True)
class ProgramFormat:
    """What the program is encoded as when it is re-encoded (the slate always is)."""

    width: int = 1280
    height: int = 720
    fps: int = 30
    video_kbps: int = 2500
    audio_kbps: int = 128
    gop_seconds: int = 1


def ffmpeg_executable(configured: str | None) -> str:
    """TRAX_FFMPEG when set (a path or a command on PATH), else the binary that the
    imageio-ffmpeg wheel ships."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise RuntimeError(f"TRAX_FFMPEG={configured!r} is not an executable")
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _die_with_parent() -> None:
    """Runs in the child before exec: its own process group, and SIGKILL when the thread
    that started it (the relay worker's loop) dies, whatever the way it dies."""
    os.setpgid(0, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def spawn(
    argv: list[str],
    *,
    stdin: int | IO[bytes] | None = None,
    stdout: int | IO[bytes] | None = None,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        pass_fds=pass_fds,
        preexec_fn=_die_with_parent,
        close_fds=True,
    )


def kill_group(process: subprocess.Popen[bytes], grace_seconds: float = 2.0) -> None:
    """SIGTERM to the process group, SIGKILL after the grace period, then reap."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


class StderrTail:
    """The last lines a process wrote to stderr, read in a thread so the pipe never fills.
    Lines are kept only to classify why a process failed; they are never logged as they are
    (they may contain a URL)."""

    def __init__(self, stream: IO[bytes] | None, keep: int = 20):
        self.lines: deque[str] = deque(maxlen=keep)
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes] | None) -> None:
        if stream is None:  # started without a pipe: nothing to read
            return
        # The pipe is closed under this thread when the process is stopped: that ends it too.
        with contextlib.suppress(ValueError, OSError):
            for raw in iter(stream.readline, b""):
                self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Progress:
    """The latest block of `-progress` output."""

    frame: int = 0
    fps: float | None = None
    bitrate_kbps: int | None = None
    total_size: int = 0
    dropped_frames: int | None = None
    updated_at: float = 0.0  # time.monotonic() of the last block
    grew_at: float = 0.0  # time.monotonic() when total_size last grew


_BITRATE = re.compile(r"([\d.]+)kbits/s")


class ProgressReader:
    """Reads `-progress` key=value blocks from a pipe in a thread."""

    def __init__(self, stream: IO[bytes] | None):
        self.progress = Progress()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def join(self, timeout: float = 2.0) -> None:
        """Waits for the reader to see the end of the pipe (after the process is gone)."""
        self._thread.join(timeout)

    def _read(self, stream: IO[bytes] | None) -> None:
        if stream is None:  # started without a pipe: nothing to read
            return
        with contextlib.suppress(ValueError, OSError):  # closed when the process is stopped
            self._read_blocks(stream)

    def _read_blocks(self, stream: IO[bytes]) -> None:
        block: dict[str, str] = {}
        for raw in iter(stream.readline, b""):
            key, _, value = raw.decode("ascii", "replace").partition("=")
            key, value = key.strip(), value.strip()
            if key != "progress":
                block[key] = value
                continue
            self._update(block)
            block = {}

    def _update(self, block: dict[str, str]) -> None:
        now = time.monotonic()
        previous = self.progress
        total_size = _int(block.get("total_size")) or 0
        bitrate = _BITRATE.match(block.get("bitrate", ""))
        self.progress = Progress(
            frame=_int(block.get("frame")) or 0,
            fps=_float(block.get("fps")),
            bitrate_kbps=round(float(bitrate.group(1))) if bitrate else None,
            total_size=total_size,
            dropped_frames=_int(block.get("drop_frames")),
            updated_at=now,
            grew_at=now if total_size > previous.total_size else previous.grew_at,
        )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def classify_failure(stderr: str) -> str:
    """Why an output process ended, from what ffmpeg said: one of the documented reasons."""
    text = stderr.lower()
    if "connection refused" in text:
        return "connection_refused"
    if (
        "connection timed out" in text
        or "no route to host" in text
        or "network is unreachable" in text
    ):
        return "connection_failed"
    if (
        "server error" in text
        or "403" in text
        or "unauthorized" in text
        or "forbidden" in text
        or "nonexistent" in text
        or "error opening output" in text
    ):
        return "key_rejected"
    # An I/O error after the output opened (a write or the trailer) is the receiver going
    # away mid-stream, not a refusal: a refused key fails while opening the output.
    if (
        "broken pipe" in text
        or "end of file" in text
        or "connection reset" in text
        or "input/output error" in text
    ):
        return "connection_lost"
    return "process_exited"


def program_argv(
    ffmpeg: str,
    *,
    media_path: Path | None,
    copy: bool,
    slate_title_file: Path | None,
    program_format: ProgramFormat,
    progress_fd: int,
    live_url: str | None = None,
) -> list[str]:
    """The program process: plays the media file looped (or the slate) in real time and
    writes MPEG-TS (H.264 + AAC) to stdout, which the relay fans out to every output."""
    f = program_format
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats"]
    argv += ["-progress", f"pipe:{progress_fd}", "-stats_period", "1"]
    if media_path is not None:
        argv += ["-re", "-stream_loop", "-1", "-i", str(media_path)]
        argv += ["-map", "0:v:0", "-map", "0:a:0?"]
    elif live_url is not None:  # already real time: no -re
        # nginx-rtmp sends the stream's metadata and sequence headers first: 1 s of probing
        # finds both streams (ffmpeg's default 5 s delays go-live by as much).
        argv += ["-rtmp_live", "live", "-analyzeduration", "1000000", "-fflags", "+nobuffer"]
        argv += ["-i", live_url]
        argv += ["-map", "0:v:0", "-map", "0:a:0?"]
    else:
        argv += ["-re", "-f", "lavfi", "-i", f"color=c=0x1d2330:s={f.width}x{f.height}:r={f.fps}"]
        argv += ["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
        font = next((path for path in SLATE_FONTS if Path(path).exists()), None)
        if font is not None and slate_title_file is not None:
            argv += [
                "-vf",
                f"drawtext=fontfile={font}:textfile={slate_title_file}:fontcolor=white:"
                f"fontsize={max(12, f.height // 12)}:x=(w-text_w)/2:y=(h-text_h)/2",
            ]
        argv += ["-map", "0:v", "-map", "1:a"]
    if copy:
        argv += ["-c", "copy"]
    else:
        gop = f.fps * f.gop_seconds
        argv += ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency"]
        argv += ["-pix_fmt", "yuv420p", "-r", str(f.fps), "-g", str(gop), "-keyint_min", str(gop)]
        argv += ["-sc_threshold", "0", "-b:v", f"{f.video_kbps}k"]
        argv += ["-maxrate", f"{f.video_kbps}k", "-bufsize", f"{2 * f.video_kbps}k"]
        argv += ["-c:a", "aac", "-b:a", f"{f.audio_kbps}k", "-ar", "48000", "-ac", "2"]
        if media_path is not None or live_url is not None:
            argv += [
                "-vf",
                f"scale={f.width}:{f.height}:force_original_aspect_ratio=decrease,"
                f"pad={f.width}:{f.height}:(ow-iw)/2:(oh-ih)/2",
            ]
    # Every keyframe carries SPS/PPS, so an output that joins mid-stream can decode at once
    # (h264_mp4toannexb puts them before each IDR frame of a copied MP4 stream).
    bsf = "h264_mp4toannexb" if copy else "dump_extra=freq=keyframe"
    argv += ["-bsf:v", bsf, "-f", "mpegts", "-muxdelay", "0", "pipe:1"]
    return argv


def output_argv(
    ffmpeg: str,
    *,
    connect_url: str,
    app: str,
    tc_url: str,
    stream_key: str,
    probe_seconds: float = 1.2,
) -> list[str]:
    """One output process: reads the program (MPEG-TS) on stdin and publishes it unchanged
    as FLV over RTMP/RTMPS, reporting progress on stdout."""
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostats",
        "-progress", "pipe:1", "-stats_period", "1",
        # The program's streams are known (H.264 + AAC, SPS/PPS on every keyframe, a keyframe
        # every second when re-encoded): probing 1.2 s (ffmpeg probes for the whole window)
        # sees a keyframe, instead of ffmpeg's 5 s default; a copied program joined mid-stream
        # gets the default (its keyframes may be further apart).
        "-analyzeduration", str(int(probe_seconds * 1_000_000)),
        "-probesize", "5000000", "-fflags", "+nobuffer",
        "-f", "mpegts", "-i", "pipe:0",
        "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
        "-f", "flv", "-flvflags", "no_duration_filesize",
        "-rtmp_app", app, "-rtmp_tcurl", tc_url, "-rtmp_playpath", stream_key,
        connect_url,
    ]  # fmt: skip


def probe_codecs(ffmpeg: str, path: Path) -> tuple[str | None, str | None]:
    """The first video and audio codec names of a media file, read from `ffmpeg -i`'s report
    (the wheel ships no ffprobe)."""
    result = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        timeout=20,
        preexec_fn=_die_with_parent,
    )
    text = result.stderr.decode("utf-8", "replace")
    video = re.search(r"Stream #\S+.*?: Video: (\w+)", text)
    audio = re.search(r"Stream #\S+.*?: Audio: (\w+)", text)
    return (video.group(1) if video else None, audio.group(1) if audio else None)
