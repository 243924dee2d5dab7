"""Real media for the relay tests: tiny clips made by ffmpeg, RTMP receivers on loopback
(ffmpeg in listen mode, one publisher each) and ffprobe on what they received."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_clip(path: Path, seconds: int = 4, *, h264: bool = True) -> Path:
    """A 320x180 15 fps test pattern with a sine tone: H.264 + AAC in MP4 (copy mode), or
    MPEG-4 Part 2 + MP2 in AVI (re-encode mode)."""
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-c:a", "aac"]
    if not h264:
        codecs = ["-c:v", "mpeg4", "-g", "15", "-c:a", "mp2"]
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=320x180:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(seconds), "-pix_fmt", "yuv420p", *codecs, str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


class Receiver:
    """An RTMP server for one publisher of rtmp://127.0.0.1:PORT/live/KEY, recording what it
    gets to a file. It exits when its publisher leaves."""

    def __init__(self, directory: Path, key: str, port: int | None = None):
        self.port = port or free_port()
        self.key = key
        self.directory = directory
        self.recordings: list[Path] = []
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live"

    def start(self) -> Receiver:
        self.stop()  # reaps the previous process (it exits when its publisher leaves)
        output = self.directory / f"recv-{self.port}-{len(self.recordings)}.flv"
        self.recordings.append(output)
        self.process = subprocess.Popen(
            [FFMPEG, "-hide_banner", "-loglevel", "error", "-f", "flv", "-listen", "1",
             "-i", f"{self.url}/{self.key}", "-c", "copy", "-flush_packets", "1",
             "-f", "flv", "-y", str(output)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._listening, 10, "receiver listening")
        return self

    def _listening(self) -> bool:
        """From /proc/net/tcp: a test connection would be taken as the one publisher."""
        wanted = f":{self.port:04X}"
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1].endswith(wanted) and fields[3] == "0A":  # 0A: LISTEN
                return True
        return False

    def received_bytes(self) -> int:
        return self.recordings[-1].stat().st_size if self.recordings[-1].exists() else 0

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


def probe_streams(ffprobe: str, path: Path) -> dict[str, str]:
    """codec_type -> codec_name of what a recording holds."""
    result = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name",
         "-of", "json", str(path)],
        capture_output=True, timeout=30, check=True,
    )  # fmt: skip
    return {s["codec_type"]: s["codec_name"] for s in json.loads(result.stdout)["streams"]}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purpose (exited, not yet reaped by its parent)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition: Callable[[], object], timeout: float, what: str, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Publisher:
    """A test pattern with a tone, published in real time to an RTMP URL (as OBS would)."""

    def __init__(self, url: str, seconds: int = 120):
        self.url = url
        self.seconds = seconds
        self.process: subprocess.Popen | None = None

    def start(self) -> Publisher:
        self.process = subprocess.Popen(
            [FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
             "-f", "lavfi", "-i", "testsrc=size=320x180:rate=15",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-t", str(self.seconds), "-pix_fmt", "yuv420p",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-c:a", "aac",
             "-f", "flv", self.url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return self

    def exit_code(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
