"""The relay worker: owns the ffmpeg processes of the live studios it holds a lease on, and
reconciles them with the desired state the API records in the database.

Per studio: one program process (the first enabled source that has a signal, else a slate)
writing MPEG-TS to a pipe, fanned out by a thread to one output process per enabled destination
with a stream key (`-c copy` to FLV over RTMP/RTMPS). An output that fails is retried with
backoff and never touches the others. Health comes from each process's `-progress` output.

Leases: each live studio is owned by one worker (`relay_leases`, renewed every tick, expiring
after `lease_seconds`); a worker that dies loses its studios to another worker within
`lease_seconds + tick_seconds`, and its processes die with it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import queue
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from server.domain.clock import utcnow
from server.domain.errors import InvalidRequest
from server.domain.states import OutputState, StreamState
from server.observability.metrics import instruments
from server.services.outbound import OutboundGuard
from server.services.stream_keys import StreamKeyVault
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import Destination, Source
from server.storage.repositories import OutputStatus
from server.streaming import ffmpeg as ff
from server.streaming.key_proxy import KeyInsertingProxy

logger = logging.getLogger("trax.relay")

STARTING, LIVE, ERRORED, IDLE = (
    OutputState.STARTING, OutputState.LIVE, OutputState.ERRORED, OutputState.IDLE
)  # fmt: skip
OFFLINE, STOPPING = StreamState.OFFLINE, StreamState.STOPPING
SLATE = "slate"
# An output whose byte count has not grown for this long is stalled: killed and retried.
STALL_SECONDS = 6.0
# An output that has not published its first bytes after this long is given up and retried.
CONNECT_TIMEOUT_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 30.0
HEALTH_WRITE_SECONDS = 1.0
CHUNK_BYTES = 188 * 64
QUEUE_CHUNKS = 256
DEFAULT_RTMP_PORTS = {"rtmp": 1935, "rtmps": 443}


def backoff_seconds(failures: int) -> float:
    return min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, failures - 1))


@dataclass(frozen=True)
class RelayConfig:
    ffmpeg: str | None = None  # TRAX_FFMPEG; None: the imageio-ffmpeg wheel's binary
    lease_seconds: float = 10.0
    tick_seconds: float = 0.5
    max_studios: int = 20
    ingest_rtmp_port: int = 1935  # where the embedded ingest lets loopback play a publisher
    # A studio none of whose outputs has been live for this long (every output failing, or
    # the program unplayable) is given up: its processes stop and it is marked errored.
    give_up_seconds: float = 300.0
    program_format: ff.ProgramFormat = field(default_factory=ff.ProgramFormat)


class ProgramProcess:
    """The studio's program: MPEG-TS on stdout, copied to every subscribed output."""

    def __init__(
        self,
        argv: list[str],
        progress_read: int,
        progress_write: int,
        title: Path | None,
        copy: bool,
    ):
        self.process = ff.spawn(argv, stdout=subprocess.PIPE, pass_fds=(progress_write,))
        os.close(progress_write)
        self._title = title
        self.stderr = ff.StderrTail(self.process.stderr)
        self._progress_pipe = os.fdopen(progress_read, "rb")
        self.progress = ff.ProgressReader(self._progress_pipe)
        self._subscribers: list[OutputProcess] = []
        self._lock = threading.Lock()
        self.copy = copy
        self._pump = threading.Thread(target=self._fan_out, daemon=True)

    @property
    def pumping(self) -> bool:
        return self._pump.is_alive() or self._pump.ident is not None

    def start_pump(self) -> None:
        """Starts fanning out. Called once the first outputs have subscribed, so outputs
        started with the program get it from its first byte (its first keyframe)."""
        if not self.pumping:
            self._pump.start()

    def _fan_out(self) -> None:
        stream = self.process.stdout
        if stream is None:  # never: the program is started with stdout=PIPE
            return
        while chunk := cast(io.BufferedReader, stream).read1(CHUNK_BYTES):
            with self._lock:
                subscribers = list(self._subscribers)
            for output in subscribers:
                output.offer(chunk)
        with self._lock:
            subscribers, self._subscribers = list(self._subscribers), []
        for output in subscribers:
            output.end_of_input()

    def subscribe(self, output: OutputProcess) -> None:
        with self._lock:
            self._subscribers.append(output)

    def unsubscribe(self, output: OutputProcess) -> None:
        with self._lock:
            if output in self._subscribers:
                self._subscribers.remove(output)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        ff.kill_group(self.process)
        self.progress.join()
        with contextlib.suppress(OSError):
            self._progress_pipe.close()
        if self._title is not None:
            self._title.unlink(missing_ok=True)


class OutputProcess:
    """One destination's output: the program on stdin, FLV to the destination's ingest."""

    def __init__(self, argv: list[str], proxy: KeyInsertingProxy):
        self.proxy = proxy
        self.process = ff.spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.started_at = time.monotonic()
        self.stderr = ff.StderrTail(self.process.stderr)
        self.progress = ff.ProgressReader(self.process.stdout)
        self.input_lost = False
        self._queue: queue.Queue[bytes | None] = queue.Queue(QUEUE_CHUNKS)
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def offer(self, chunk: bytes | None) -> None:
        """A chunk of the program, or None: the end of it."""
        # A slow output drops program data rather than stall the others.
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(chunk)

    def end_of_input(self) -> None:
        self.input_lost = True
        self.offer(None)

    def _write(self) -> None:
        stdin = self.process.stdin
        if stdin is None:  # never: an output is started with stdin=PIPE
            return
        try:
            while (chunk := self._queue.get()) is not None:
                stdin.write(chunk)
                stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def exited(self) -> bool:
        return self.process.poll() is not None

    def flowing(self, now: float) -> bool:
        progress = self.progress.progress
        return progress.total_size > 0 and now - progress.grew_at < STALL_SECONDS

    def failure_reason(self) -> str:
        if self.input_lost:
            return "input_lost"
        return self.proxy.failure or ff.classify_failure(self.stderr.text())

    def stop(self) -> None:
        self.offer(None)
        ff.kill_group(self.process, grace_seconds=1.0)
        self.proxy.close()


@dataclass
class OutputSlot:
    fingerprint: str
    process: OutputProcess | None = None
    failures: int = 0
    retry_at: float = 0.0  # time.monotonic()
    retry_at_wall: datetime | None = None
    reason: str | None = None
    was_live: bool = False


@dataclass
class StudioRuntime:
    studio_id: str
    program_key: str | None = None
    program: ProgramProcess | None = None
    program_failures: int = 0
    program_retry_at: float = 0.0
    outputs: dict[str, OutputSlot] = field(default_factory=dict)
    written: dict[str, OutputStatus] = field(default_factory=dict)
    written_at: float = 0.0
    program_written: str | None = None
    # When an output of the studio was last live (or the studio was taken): see give_up_seconds.
    healthy_at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ProgramInput:
    """Where the program comes from: a media file played looped, or a live stream (a publisher
    on the embedded ingest), which is always re-encoded (its keyframes and timestamps are the
    publisher's)."""

    location: str
    looped_file: bool


@dataclass(frozen=True)
class PublishTarget:
    connect_url: str  # where the destination is reached: the checked address (or the TLS name)
    app: str
    tc_url: str
    address: str  # the address the outbound guard checked, which the connection goes to
    port: int
    tls_server_name: str | None  # rtmps: the name the certificate must be valid for


class RelayWorker:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        guard: OutboundGuard,
        media_path: Callable[[str], Path | None],
        config: RelayConfig,
        stream_keys: StreamKeyVault,
        worker_id: str | None = None,
    ):
        self._uow = unit_of_work
        self._stream_keys = stream_keys
        self._guard = guard
        self._media_path = media_path
        self._config = config
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._ffmpeg: str | None = None
        self._codecs: dict[Path, bool] = {}
        self._runtimes: dict[str, StudioRuntime] = {}
        self._stop = threading.Event()

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Runs until `stop()`. Must run in one thread for its whole life: the processes it
        starts are killed when that thread ends (PR_SET_PDEATHSIG)."""
        logger.info("relay worker %s started", self.worker_id)
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("relay tick failed")
                self._stop.wait(self._config.tick_seconds)
        finally:
            self.shutdown()

    def stop(self) -> None:
        self._stop.set()

    def running_pids(self) -> list[int]:
        pids = []
        for runtime in list(self._runtimes.values()):
            if runtime.program is not None:
                pids.append(runtime.program.process.pid)
            pids += [s.process.process.pid for s in runtime.outputs.values() if s.process]
        return pids

    def output_pids(self, studio_id: str) -> dict[str, int]:
        """The running output process of each destination of a studio this worker holds."""
        runtime = self._runtimes.get(studio_id)
        if runtime is None:
            return {}
        slots = list(runtime.outputs.items())
        return {d: slot.process.process.pid for d, slot in slots if slot.process is not None}

    def tick(self) -> None:
        now = utcnow()
        until = now + timedelta(seconds=self._config.lease_seconds)
        with self._uow() as uow:
            held = set(uow.relay_leases.renew(self.worker_id, now, until))
            room = self._config.max_studios - len(held)
            if room > 0:
                held |= set(uow.relay_leases.claim(self.worker_id, now, until, room))
            uow.commit()
        for studio_id in list(self._runtimes):
            if studio_id not in held:  # lease lost (expired while we were stalled)
                self._stop_runtime(self._runtimes.pop(studio_id))
        for studio_id in sorted(held):
            runtime = self._runtimes.setdefault(studio_id, StudioRuntime(studio_id))
            try:
                if not self._reconcile(runtime):
                    self._runtimes.pop(studio_id, None)
            except Exception:
                logger.exception("relay failed to reconcile studio %s", studio_id)
        self._report_processes()

    def _report_processes(self) -> None:
        runtimes = list(self._runtimes.values())
        gauge = instruments().relay_processes
        gauge.labels("program").set(sum(r.program is not None for r in runtimes))
        gauge.labels("output").set(
            sum(s.process is not None for r in runtimes for s in r.outputs.values())
        )

    def shutdown(self) -> None:
        """Stops every process and hands the studios back: outputs read `starting` (another
        worker resumes them once it takes the lease)."""
        for runtime in list(self._runtimes.values()):
            self._stop_runtime(runtime)
            try:
                with self._uow() as uow:
                    studio = uow.stream.get_any_account(runtime.studio_id)
                    if studio is not None and studio.stream_state in (STARTING, LIVE):
                        uow.destinations.set_output_states(
                            runtime.studio_id,
                            {
                                d: OutputStatus(STARTING, reason="relay_restarting")
                                for d in runtime.outputs
                            },
                        )
                    uow.relay_leases.expire(self.worker_id, runtime.studio_id, utcnow())
                    uow.commit()
            except Exception:
                logger.exception("relay failed to hand back studio %s", runtime.studio_id)
        self._runtimes.clear()
        self._report_processes()

    # -- one studio -----------------------------------------------------------------------

    def _reconcile(self, runtime: StudioRuntime) -> bool:
        """Brings one studio's processes in line with the database; False once released."""
        with self._uow() as uow:
            studio = uow.stream.get_any_account(runtime.studio_id)
            if studio is None or studio.stream_state not in (STARTING, LIVE):
                self._stop_runtime(runtime)
                if studio is not None and studio.stream_state == STOPPING:
                    now = utcnow()
                    if uow.stream.transition(
                        studio.account_id, studio.id, (STOPPING,), OFFLINE, now,
                        generation=studio.stream_generation, stream_started_at=None, program=None,
                    ):  # fmt: skip
                        destinations = uow.destinations.for_studio_any_account(studio.id)
                        uow.destinations.set_output_states(
                            studio.id, {d.id: IDLE for d in destinations}
                        )
                uow.relay_leases.release(self.worker_id, runtime.studio_id)
                uow.commit()
                return False
            destinations = uow.destinations.for_studio_any_account(studio.id)
            sources = uow.sources.enabled_for_studio_any_account(studio.id)
            # A source left `live` by an ingest that died without saying so has no signal.
            rtmp_ingest = "rtmp" in uow.ingest_nodes.available_protocols(utcnow())
            studio_name = studio.name
            account_id = studio.account_id
            stream_state = studio.stream_state
            generation = studio.stream_generation
            program_written = studio.program

        program_key, media = self._choose_program(sources, rtmp_ingest)
        tick = time.monotonic()
        if runtime.program_key != program_key or (
            runtime.program is not None and not runtime.program.alive()
        ):
            if runtime.program is not None and not runtime.program.alive():
                runtime.program_failures += 1
                delay = backoff_seconds(runtime.program_failures)
                runtime.program_retry_at = tick + delay
                logger.warning(
                    "studio %s: program process exited: %s",
                    runtime.studio_id,
                    runtime.program.stderr.text()[-400:],
                )
                for slot in runtime.outputs.values():
                    slot.reason = "input_lost"
                    slot.retry_at = runtime.program_retry_at
                    slot.retry_at_wall = utcnow() + timedelta(seconds=delay)
            self._stop_runtime(runtime)
            runtime.program_key = program_key
        if runtime.program is None and tick >= runtime.program_retry_at:
            if runtime.program_failures:
                instruments().relay_ffmpeg_restarts.labels("program").inc()
            runtime.program = self._start_program(media, studio_name)

        desired = {d.id: d for d in destinations if d.enabled and d.has_stream_key}
        for destination_id in list(runtime.outputs):
            if destination_id not in desired:
                self._stop_slot(runtime, runtime.outputs.pop(destination_id))
        statuses: dict[str, OutputStatus] = {}
        for destination in desired.values():
            statuses[destination.id] = self._reconcile_output(runtime, destination, tick)

        if runtime.program is not None:
            runtime.program.start_pump()
        any_live = any(s.state == LIVE for s in statuses.values())
        if any_live:
            runtime.program_failures = 0
        if any_live or not statuses:
            runtime.healthy_at = tick
        elif tick - runtime.healthy_at > self._config.give_up_seconds:
            failing_input = runtime.program is None or runtime.program_failures > 0
            self._give_up(runtime, account_id, generation, statuses, failing_input)
            return False
        with self._uow() as uow:
            wrote = False
            due = tick - runtime.written_at >= HEALTH_WRITE_SECONDS
            changed = {
                d: s
                for d, s in statuses.items()
                if due or _without_health(runtime.written.get(d)) != _without_health(s)
            }
            if changed:
                uow.destinations.set_output_states(runtime.studio_id, changed)
                runtime.written.update(changed)
                wrote = True
            if due:
                runtime.written_at = tick
            current_program = program_key if runtime.program is not None else None
            if current_program != program_written:
                uow.stream.set_program(runtime.studio_id, current_program)
                wrote = True
            if stream_state == STARTING and any_live:
                at = utcnow()
                if uow.stream.transition(
                    account_id, runtime.studio_id, (STARTING,), LIVE, at, generation=generation
                ):
                    wrote = True
            if wrote:
                uow.commit()
        return True

    def _give_up(
        self,
        runtime: StudioRuntime,
        account_id: str,
        generation: int,
        statuses: dict[str, OutputStatus],
        failing_input: bool,
    ) -> None:
        """Nothing has gone out for give_up_seconds: stop the studio's processes and say so
        (the studio `errored` with its reason, each output with its own), rather than retry
        for ever while claiming to be live. Going live again starts over."""
        reason = "input_lost" if failing_input else "outputs_failed"
        logger.warning(
            "studio %s: nothing sent for %.0fs (%s); giving it up",
            runtime.studio_id, self._config.give_up_seconds, reason,
        )  # fmt: skip
        self._stop_runtime(runtime)
        with self._uow() as uow:
            at = utcnow()
            if uow.stream.transition(
                account_id, runtime.studio_id, (STARTING, LIVE), ERRORED, at,
                generation=generation, stream_started_at=None, program=None, stream_error=reason,
            ):  # fmt: skip
                uow.destinations.set_output_states(
                    runtime.studio_id,
                    {
                        d: OutputStatus(ERRORED, reason=status.reason or reason, health_at=at)
                        for d, status in statuses.items()
                    },
                )
            uow.relay_leases.release(self.worker_id, runtime.studio_id)
            uow.commit()

    def _reconcile_output(
        self, runtime: StudioRuntime, destination: Destination, now: float
    ) -> OutputStatus:
        fingerprint = hashlib.sha256(
            f"{destination.rtmp_url}\n{destination.stream_key_sealed}".encode()
        ).hexdigest()
        slot = runtime.outputs.get(destination.id)
        if slot is None or slot.fingerprint != fingerprint:  # new, re-keyed or re-pointed
            if slot is not None:
                self._stop_slot(runtime, slot)
            slot = runtime.outputs[destination.id] = OutputSlot(fingerprint)

        output = slot.process
        if output is not None:
            flowing = output.flowing(now)
            failed_reason = None
            if output.exited():
                failed_reason = output.failure_reason()
            elif slot.was_live and not flowing:
                failed_reason = "input_lost" if runtime.program is None else "output_stalled"
            elif (
                not slot.was_live
                and not flowing
                and now - output.started_at > CONNECT_TIMEOUT_SECONDS
            ):
                failed_reason = "connection_timeout"
            if failed_reason is not None:
                self._stop_slot(runtime, slot)
                slot.failures += 1
                slot.reason = failed_reason
                delay = backoff_seconds(slot.failures)
                slot.retry_at = now + delay
                slot.retry_at_wall = utcnow() + timedelta(seconds=delay)
                logger.warning(
                    "destination %s output failed (%s); retry in %.0fs",
                    destination.id, failed_reason, delay,
                )  # fmt: skip
            elif flowing:
                if not slot.was_live:
                    logger.info("destination %s is live", destination.id)
                slot.was_live = True
                slot.failures = 0
                slot.reason = None
                progress = output.progress.progress
                return OutputStatus(
                    LIVE,
                    bitrate_kbps=progress.bitrate_kbps,
                    fps=progress.fps,
                    dropped_frames=self._dropped_frames(runtime),
                    health_at=utcnow(),
                )
            else:
                return OutputStatus(STARTING, health_at=utcnow())

        if slot.process is None and runtime.program is not None and now >= slot.retry_at:
            try:
                # Joining a program already under way: a copied program's keyframes may be
                # far apart, so probe as long as ffmpeg's default rather than 1.2 s.
                joining = runtime.program.pumping and runtime.program.copy
                if slot.failures:
                    instruments().relay_ffmpeg_restarts.labels("output").inc()
                slot.process = self._start_output(destination, long_probe=joining)
                slot.was_live = False
                runtime.program.subscribe(slot.process)
                return OutputStatus(STARTING, health_at=utcnow())
            except InvalidRequest:
                slot.failures += 1
                slot.reason = "address_not_allowed"
                delay = backoff_seconds(slot.failures)
                slot.retry_at = now + delay
                slot.retry_at_wall = utcnow() + timedelta(seconds=delay)
        if slot.reason is None:  # waiting for the program to (re)start
            return OutputStatus(STARTING, health_at=utcnow())
        return OutputStatus(
            ERRORED, reason=slot.reason, retry_at=slot.retry_at_wall, health_at=utcnow()
        )

    @staticmethod
    def _dropped_frames(runtime: StudioRuntime) -> int | None:
        """Frames the program dropped to keep real time (an output copies, so drops nothing)."""
        if runtime.program is None:
            return None
        return runtime.program.progress.progress.dropped_frames

    # -- processes --------------------------------------------------------------------------

    def _choose_program(
        self, sources: list[Source], rtmp_ingest: bool = True
    ) -> tuple[str, ProgramInput | None]:
        """The first enabled source with a signal, by creation order; else the slate. A media
        source has one when its file is here; an rtmp source while a publisher is connected
        to the embedded ingest (its status is `live`). srt/whip have no embedded ingest."""
        for source in sources:
            if source.kind == "media" and source.media_asset_id:
                path = self._media_path(source.media_asset_id)
                if path is not None and path.exists():
                    return source.id, ProgramInput(str(path), looped_file=True)
            if (
                rtmp_ingest
                and source.kind == "rtmp"
                and source.status == LIVE
                and source.stream_path
            ):
                port = self._config.ingest_rtmp_port
                url = f"rtmp://127.0.0.1:{port}/{source.stream_path}"
                return source.id, ProgramInput(url, looped_file=False)
        return SLATE, None

    def _executable(self) -> str:
        if self._ffmpeg is None:
            self._ffmpeg = ff.ffmpeg_executable(self._config.ffmpeg)
        return self._ffmpeg

    def _start_program(self, media: ProgramInput | None, studio_name: str) -> ProgramProcess:
        ffmpeg = self._executable()
        copy = False
        if media is not None and media.looped_file:
            path = Path(media.location)
            if path not in self._codecs:
                video, audio = ff.probe_codecs(ffmpeg, path)
                self._codecs[path] = video == "h264" and audio in ("aac", None)
            copy = self._codecs[path]
        title = None
        if media is None:
            handle, name = tempfile.mkstemp(prefix="trax-slate-", suffix=".txt")
            with os.fdopen(handle, "w") as file:
                file.write(studio_name)
            title = Path(name)
        read_fd, write_fd = os.pipe()
        argv = ff.program_argv(
            ffmpeg,
            media_path=Path(media.location) if media and media.looped_file else None,
            live_url=media.location if media and not media.looped_file else None,
            copy=copy,
            slate_title_file=title,
            program_format=self._config.program_format,
            progress_fd=write_fd,
        )
        return ProgramProcess(argv, read_fd, write_fd, title, copy)

    def _start_output(self, destination: Destination, long_probe: bool) -> OutputProcess:
        target = self.publish_target(destination.rtmp_url)
        # The key stays in this process: ffmpeg's argv names a placeholder (key_proxy.py).
        proxy = KeyInsertingProxy(
            target.address,
            target.port,
            self._stream_keys.open(destination),
            target.tls_server_name,
        )
        try:
            argv = ff.output_argv(
                self._executable(),
                connect_url=f"rtmp://127.0.0.1:{proxy.port}/{target.app}",
                app=target.app,
                tc_url=target.tc_url,
                stream_key=proxy.placeholder,
                probe_seconds=5.0 if long_probe else 1.2,
            )
            return OutputProcess(argv, proxy)
        except BaseException:
            proxy.close()
            raise

    def publish_target(self, rtmp_url: str) -> PublishTarget:
        """Re-checks the host now (DNS may have changed since the URL was accepted). The
        connection goes to the checked address, with the original URL as tcUrl; for rtmps://
        TLS is done for the host's name."""
        parts = urlsplit(rtmp_url)
        host = parts.hostname or ""
        addresses = self._guard.check_host(host, field="rtmpUrl")
        port = parts.port or DEFAULT_RTMP_PORTS.get(parts.scheme, 1935)
        app = parts.path.lstrip("/")
        tc_url = f"{parts.scheme}://{parts.netloc}/{app}"
        address = str(addresses[0])
        if parts.scheme == "rtmp":
            netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        else:
            netloc = f"{host}:{port}"
        tls_name = host if parts.scheme == "rtmps" else None
        return PublishTarget(
            f"{parts.scheme}://{netloc}/{app}", app, tc_url, address, port, tls_name
        )

    def _stop_slot(self, runtime: StudioRuntime, slot: OutputSlot) -> None:
        if slot.process is not None:
            if runtime.program is not None:
                runtime.program.unsubscribe(slot.process)
            slot.process.stop()
            slot.process = None
        slot.was_live = False

    def _stop_runtime(self, runtime: StudioRuntime) -> None:
        for slot in runtime.outputs.values():
            self._stop_slot(runtime, slot)
        if runtime.program is not None:
            runtime.program.stop()
            runtime.program = None
        runtime.program_key = None


def _without_health(status: OutputStatus | None) -> tuple[object, ...] | None:
    if status is None:
        return None
    return (status.state, status.reason, status.retry_at)


def worker_thread(worker: RelayWorker) -> Callable[[], None]:
    """Runs the worker in a daemon thread; returns the callable that stops it and waits."""
    thread = threading.Thread(target=worker.run, name="trax-relay", daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop()
        thread.join(timeout=30)

    return stop
