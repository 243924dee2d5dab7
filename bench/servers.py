"""The servers under test, each a real uvicorn in its own process group on 127.0.0.1, and the
CPU they spend (from /proc: the uvicorn process and its worker children)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry))
    return found


def cpu_supported() -> bool:
    return Path("/proc/self/stat").exists()


@dataclass
class Server:
    """`name` for the table; `app` an import string for uvicorn; `env` on top of ours."""

    name: str
    app: str
    env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    # uvicorn's event loop: "uvloop" or "asyncio" (the standard loop); "auto" picks uvloop.
    loop: str = "auto"
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path, timeout: float = 60) -> Server:
        self.launch(log_dir)
        return self.wait_ready(timeout)

    def launch(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"{self.name.replace(' ', '_')}.log"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            # As `trax serve` runs it.
            "--limit-concurrency",
            "1000",
            "--timeout-keep-alive",
            "5",
            "--loop",
            self.loop,
            "--http",
            "httptools",
        ]
        command.append("--no-access-log")  # the app writes its own request line
        with self.log_path.open("wb") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> Server:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/v1/health", timeout=2) as answer:
                    if answer.status == 200 and self._workers_up():
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start; see {self.log_path}")
            time.sleep(0.1)

    def _workers_up(self) -> bool:
        return self.workers == 1 or len(_children(self.process.pid)) >= self.workers

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path else ""

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server and its workers so far."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(_proc_cpu_seconds(pid) for pid in pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
