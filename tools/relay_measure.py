"""Short, bounded relay measurements on this machine (not a test, never run by CI):

    .venv/bin/python tools/relay_measure.py startup|cpu|scale [--destinations N] [--studios K]
        [--seconds S]

startup: go-live to the first bytes at an RTMP receiver (slate, media copy, media re-encode,
         and a publisher on the embedded nginx-rtmp ingest when nginx is installed).
cpu:     CPU of the program process, of each output process and of the relay's own process
         (fan-out thread and the key-inserting forwarders) over S seconds, per mode.
scale:   K studios of N destinations on one worker: how many are live with steady fps.

Uses a throwaway SQLite database and media directory, loopback receivers (tests/support/media),
and the production program format (1280x720, 30 fps, 2500 kbit/s) unless TRAX_RELAY_* say else.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.app import create_app  # noqa: E402
from server.config import Settings  # noqa: E402
from server.domain.scopes import ALL_SCOPES  # noqa: E402
from server.services.container import Services  # noqa: E402
from server.services.outbound import parse_networks  # noqa: E402
from server.storage import migrate  # noqa: E402
from server.streaming.ingest import ingest_thread  # noqa: E402
from server.streaming.relay import worker_thread  # noqa: E402
from tests.support.client import ApiClient  # noqa: E402
from tests.support.media import FFMPEG, Publisher, Receiver, free_port, wait_until  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def self_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def first_output_bytes(bench: Bench, studio: str) -> bool:
    runtime = bench.worker._runtimes.get(studio)
    if runtime is None:
        return False
    return any(
        slot.process is not None and slot.process.progress.progress.total_size > 0
        for slot in list(runtime.outputs.values())
    )


def make_media(path: Path, h264: bool) -> Path:
    import subprocess

    codecs = ["-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-b:v", "2500k"]
    codecs += ["-c:a", "aac"] if h264 else []
    if not h264:
        codecs = ["-c:v", "mpeg4", "-q:v", "5", "-c:a", "mp2"]
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", "10", "-pix_fmt", "yuv420p", *codecs, str(path)],
        check=True,
    )  # fmt: skip
    return path


class Bench:
    def __init__(self, root: Path):
        self.root = root
        database_url = f"sqlite:///{root / 'relay.db'}"
        migrate.upgrade(database_url)
        self.settings = replace(
            Settings.from_env(),
            database_url=database_url,
            write_enabled=True,
            key_hash_secret="measure" * 8,
            media_dir=root / "media",
            outbound_allowed_networks=parse_networks("127.0.0.0/8"),
            stream_engine="relay",
            rate_limit_burst=100000,
            rate_limit_per_second=100000,
            redis_url=None,
            ingest_host="127.0.0.1",
            ingest_rtmp_port=free_port(),
        )
        self.services = Services.build(self.settings)
        self.ingest = self.services.rtmp_ingest()
        self.stop_ingest = ingest_thread(self.ingest) if self.ingest else (lambda: None)
        if self.ingest is not None and not self.ingest.running.wait(15):
            self.ingest = None
        account = self.services.accounts.create("Measure")
        secret = self.services.api_keys.create(account.id, "k", list(ALL_SCOPES)).secret
        self.api = ApiClient(create_app(self.settings, self.services), secret)
        self.worker = self.services.relay_worker("measure")
        self.stop_worker = worker_thread(self.worker)

    def studio(self, media: Path | None) -> str:
        studio = self.api.post("/v1/studios", json={"name": "Measure"}).json()["id"]
        if media is not None:
            data = media.read_bytes()
            created = self.api.post(
                "/v1/media",
                json={"filename": media.name, "contentType": "video/mp4", "size": len(data)},
            ).json()
            url = urlsplit(created["upload"]["url"])
            self.api.request(
                "PUT", f"{url.path}?{url.query}", content=data,
                headers=created["upload"]["headers"],
            )  # fmt: skip
            self.api.post(
                f"/v1/studios/{studio}/sources",
                json={"kind": "media", "name": "clip", "mediaId": created["id"]},
            )
        return studio

    def destination(self, studio: str, receiver: Receiver) -> str:
        return self.api.post(
            f"/v1/studios/{studio}/destinations",
            json={"platform": "custom_rtmp", "name": "r", "rtmpUrl": receiver.url,
                  "streamKey": receiver.key},
        ).json().get("id") or sys.exit("destination refused")  # fmt: skip

    def status(self, studio: str) -> dict:
        return self.api.get(f"/v1/studios/{studio}/stream-status").json()

    def offline(self, studio: str) -> None:
        self.api.post(f"/v1/studios/{studio}/go-offline")
        wait_until(lambda: self.status(studio)["state"] == "offline", 30, "offline")

    def close(self) -> None:
        self.stop_worker()
        self.stop_ingest()
        self.services.close()


def modes(root: Path) -> dict[str, Path | None]:
    return {
        "slate (re-encode)": None,
        "media H.264+AAC (copy)": make_media(root / "copy.mp4", h264=True),
        "media MPEG-4+MP2 (re-encode)": make_media(root / "encode.avi", h264=False),
    }


def startup(bench: Bench, root: Path) -> None:
    for mode, media in modes(root).items():
        studio = bench.studio(media)
        receiver = Receiver(root, f"key-{studio[-6:]}").start()
        bench.destination(studio, receiver)
        began = time.monotonic()
        bench.api.post(f"/v1/studios/{studio}/go-live")
        # The receiver accepted the publish and the output wrote media to it (total_size > 0
        # in the output's -progress, which reports every 0.1 s here).
        wait_until(lambda s=studio: first_output_bytes(bench, s), 60, "first bytes", step=0.01)
        first_bytes = time.monotonic() - began
        wait_until(lambda r=receiver: r.received_bytes() > 0, 60, "recording", step=0.02)
        recorded = time.monotonic() - began
        wait_until(lambda s=studio: bench.status(s)["state"] == "live", 60, "live", step=0.05)
        print(f"{mode}: first media bytes accepted by the receiver {first_bytes:.2f}s after "
              f"go-live; the receiver's file grew after {recorded:.2f}s (its own probing); "
              f"API live after {time.monotonic() - began:.2f}s")  # fmt: skip
        bench.offline(studio)
        receiver.stop()
    if bench.ingest is None:
        print("rtmp publisher: skipped, nginx with the RTMP module is not installed")
        return
    studio = bench.studio(None)
    source = bench.api.post(
        f"/v1/studios/{studio}/sources", json={"kind": "rtmp", "name": "camera"}
    ).json()
    url = next(e["url"] for e in source["ingest"]["endpoints"] if e["protocol"] == "rtmp")
    publisher = Publisher(url).start()
    path = f"/v1/studios/{studio}/sources/{source['id']}"
    wait_until(lambda: bench.api.get(path).json()["status"] == "live", 30, "source live")
    receiver = Receiver(root, f"key-{studio[-6:]}").start()
    bench.destination(studio, receiver)
    began = time.monotonic()
    bench.api.post(f"/v1/studios/{studio}/go-live")
    wait_until(lambda: first_output_bytes(bench, studio), 60, "first bytes", step=0.01)
    first_bytes = time.monotonic() - began
    wait_until(lambda: bench.status(studio)["state"] == "live", 60, "live", step=0.05)
    print(f"rtmp publisher on the ingest (re-encode): first media bytes accepted by the "
          f"receiver {first_bytes:.2f}s after go-live; API live after "
          f"{time.monotonic() - began:.2f}s")  # fmt: skip
    bench.offline(studio)
    publisher.stop()
    receiver.stop()


def cpu(bench: Bench, root: Path, seconds: float) -> None:
    for mode, media in modes(root).items():
        studio = bench.studio(media)
        receivers = [Receiver(root, f"key-{studio[-6:]}-{i}").start() for i in range(2)]
        for receiver in receivers:
            bench.destination(studio, receiver)
        bench.api.post(f"/v1/studios/{studio}/go-live")
        wait_until(
            lambda s=studio: (
                [d["status"] for d in bench.status(s)["destinations"]] == ["live", "live"]
            ),
            60,
            "live",
        )
        time.sleep(3)
        runtime = bench.worker._runtimes[studio]
        program = runtime.program.process.pid
        outputs = list(bench.worker.output_pids(studio).values())
        before = {pid: cpu_seconds(pid) for pid in [program, *outputs]}
        own_before = self_cpu_seconds()
        time.sleep(seconds)
        used = {pid: (cpu_seconds(pid) - before[pid]) / seconds * 100 for pid in before}
        own = (self_cpu_seconds() - own_before) / seconds * 100
        output_share = sum(used[p] for p in outputs) / len(outputs)
        print(f"{mode}: program {used[program]:.1f}% of one core, each output "
              f"{output_share:.1f}% (remux to FLV), relay process {own / len(outputs):.1f}% "
              f"per output (fan-out + key forwarder), over {seconds:.0f}s, "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        bench.offline(studio)
        for receiver in receivers:
            receiver.stop()


def scale(bench: Bench, root: Path, destinations: int, seconds: float, studios: int = 1) -> None:
    """`studios` studios of `destinations` destinations each (25 at most per studio), all on
    this one worker (its max_studios is 20)."""
    media = make_media(root / "copy.mp4", h264=True)
    ids = [bench.studio(media) for _ in range(studios)]
    receivers = []
    for n, studio in enumerate(ids):
        for i in range(destinations):
            receiver = Receiver(root, f"stream-key-{n:02d}-{i:04d}").start()
            receivers.append(receiver)
            bench.destination(studio, receiver)
    total = studios * destinations
    for studio in ids:
        bench.api.post(f"/v1/studios/{studio}/go-live")
    began = time.monotonic()

    def all_statuses() -> list[dict]:
        return [d for studio in ids for d in bench.status(studio)["destinations"]]

    try:
        try:
            wait_until(lambda: all(d["status"] == "live" for d in all_statuses()), 90, "all live")
            print(f"{total} destinations all live {time.monotonic() - began:.1f}s after")
        except AssertionError:
            counts = Counter(d["status"] for d in all_statuses())
            print(f"{total} destinations: not all live after 90s: {dict(counts)}")
        own_before = self_cpu_seconds()
        time.sleep(seconds)
        own = (self_cpu_seconds() - own_before) / seconds * 100
        statuses = all_statuses()
        live = [d for d in statuses if d["status"] == "live"]
        fps = sorted(d["health"]["framesPerSecond"] or 0 for d in live)
        kbps = sum(d["health"]["bitrateKbps"] or 0 for d in live)
        print(f"after {seconds:.0f}s: {len(live)}/{total} live ({studios} studio(s)), output fps "
              f"min {fps[0] if fps else None} max {fps[-1] if fps else None}, total {kbps} "
              f"kbit/s, relay process {own:.1f}% of one core, "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    finally:
        for studio in ids:
            bench.offline(studio)
        for receiver in receivers:
            receiver.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["startup", "cpu", "scale"])
    parser.add_argument("--destinations", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--studios", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trax-relay-measure-") as directory:
        root = Path(directory)
        bench = Bench(root)
        try:
            if args.what == "startup":
                startup(bench, root)
            elif args.what == "cpu":
                cpu(bench, root, args.seconds)
            else:
                scale(bench, root, args.destinations, args.seconds, args.studios)
        finally:
            bench.close()


if __name__ == "__main__":
    main()
