"""The embedded RTMP ingest: Debian's nginx with the RTMP module, run by the process that runs
a relay worker, with its configuration committed next to this file (nginx-rtmp.conf).

Why nginx rather than the relay accepting publishers itself: nginx-rtmp is a maintained RTMP
server (handshake variants, chunking, many publishers and players at once) that Debian ships;
the relay would otherwise need its own RTMP server implementation. The price is a system
package: without nginx and the module the ingest does not start, and stream-status says that
`rtmp` ingest is unavailable.

nginx asks a loopback-only callback listener (outside /v1, in this process) whether a publisher
may publish (`on_publish`: only on an `rtmp` source's stream path) and tells it when one leaves
(`on_publish_done`), and asks again every 5 s (`on_update`: a publisher whose source is gone is
dropped); the source's `status` follows: `live` while a publisher is connected, `idle`
otherwise. While nginx runs, this process renews an `ingest_nodes` row, which is how API
processes know that `rtmp` ingest is available.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import socket
import string
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from server.domain.clock import utcnow
from server.domain.states import SourceStatus
from server.services.unit_of_work import UnitOfWorkFactory
from server.streaming import ffmpeg as ff

logger = logging.getLogger("trax.ingest")

CONFIG_TEMPLATE = Path(__file__).with_name("nginx-rtmp.conf")
RTMP_MODULES = (
    "/usr/lib/nginx/modules/ngx_rtmp_module.so",
    "/usr/share/nginx/modules/ngx_rtmp_module.so",
)
RTMP_APP = "inputs"
PROTOCOL = "rtmp"
LIVE, IDLE = SourceStatus.LIVE, SourceStatus.IDLE
HEARTBEAT_SECONDS = 2.0
NODE_TTL_SECONDS = 6.0
START_TIMEOUT_SECONDS = 10.0
RESTART_SECONDS = 5.0
_STREAM_NAME = re.compile(r"^rtmp-[0-9a-f-]{36}$")


def find_nginx(configured: str) -> tuple[str, str] | None:
    """The nginx binary and its RTMP module, or None when either is missing."""
    binary = shutil.which(configured)
    module = next((path for path in RTMP_MODULES if Path(path).exists()), None)
    if binary is None or module is None:
        return None
    return binary, module


class PublishCallbacks:
    """What nginx's on_publish / on_publish_done ask: may this publisher publish, and who left.
    Each answer is one unit of work; the reply is 2xx to accept, 403 to reject."""

    def __init__(self, unit_of_work: UnitOfWorkFactory):
        self._uow = unit_of_work

    def publish(self, app: str, name: str) -> bool:
        if app != RTMP_APP or not _STREAM_NAME.match(name):
            return False
        with self._uow() as uow:
            source = uow.sources.rtmp_by_stream_path(f"{RTMP_APP}/{name}")
            if source is None:
                return False
            uow.sources.set_status(source.id, LIVE, utcnow())
            uow.commit()
        logger.info("rtmp source %s: publisher connected", source.id)
        return True

    def publish_done(self, app: str, name: str) -> None:
        if app != RTMP_APP:
            return
        with self._uow() as uow:
            source = uow.sources.rtmp_by_stream_path(f"{RTMP_APP}/{name}")
            if source is None:
                return
            uow.sources.set_status(source.id, IDLE, utcnow())
            uow.commit()
        logger.info("rtmp source %s: publisher left", source.id)


def _callback_server(callbacks: PublishCallbacks) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            app = form.get("app", [""])[0]
            name = form.get("name", [""])[0]
            call = form.get("call", [""])[0]
            try:
                if self.path == "/publish" or (self.path == "/update" and call == "update_publish"):
                    allowed = callbacks.publish(app, name)
                elif self.path == "/update":  # a player: only loopback may play (the relay)
                    allowed = True
                elif self.path == "/publish_done":
                    callbacks.publish_done(app, name)
                    allowed = True
                else:
                    allowed = False
            except Exception:
                logger.exception("ingest callback %s failed", self.path)
                allowed = False
            self.send_response(200 if allowed else 403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:  # the request line carries stream paths
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


class RtmpIngest:
    """Runs nginx-rtmp for as long as `run()` runs (in one thread: nginx dies with it), restarts
    it when it dies, and keeps the `ingest_nodes` row and the sources' status true."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        nginx: tuple[str, str],
        port: int,
        listen_host: str = "0.0.0.0",
        node_id: str | None = None,
    ):
        self._uow = unit_of_work
        self._binary, self._module = nginx
        self.port = port
        self._listen_host = listen_host
        self.node_id = node_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self.running = threading.Event()
        self.process: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        callbacks = _callback_server(PublishCallbacks(self._uow))
        callback_thread = threading.Thread(target=callbacks.serve_forever, daemon=True)
        callback_thread.start()
        callback_url = f"http://127.0.0.1:{callbacks.server_address[1]}"
        try:
            while not self._stop.is_set():
                try:
                    with tempfile.TemporaryDirectory(prefix="trax-ingest-") as prefix:
                        os.chmod(prefix, 0o700)
                        self._run_nginx(Path(prefix), callback_url)
                except Exception:
                    logger.exception("rtmp ingest failed; restarting it")
                self._stop.wait(RESTART_SECONDS)
        finally:
            callbacks.shutdown()
            callbacks.server_close()

    def stop(self) -> None:
        self._stop.set()

    def _run_nginx(self, prefix: Path, callback_url: str) -> None:
        config = string.Template(CONFIG_TEMPLATE.read_text()).substitute(
            rtmp_module=self._module,
            prefix=prefix,
            listen=f"{self._listen_host}:{self.port}",
            callback_url=callback_url,
        )
        (prefix / "nginx.conf").write_text(config)
        argv = [self._binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        argv += ["-e", "stderr", "-g", "daemon off;"]
        self.process = ff.spawn(argv)
        stderr = ff.StderrTail(self.process.stderr)
        try:
            if not self._wait_listening():
                logger.error(
                    "rtmp ingest did not start on port %s: %s", self.port, stderr.text()[-400:]
                )
                return
            self._reset_sources()  # a fresh nginx has no publisher
            self._heartbeat()
            self.running.set()
            logger.info("rtmp ingest listening on port %s", self.port)
            while not self._stop.wait(HEARTBEAT_SECONDS) and self.process.poll() is None:
                self._heartbeat()
            if self.process.poll() is not None:
                logger.error("rtmp ingest exited: %s", stderr.text()[-400:])
        finally:
            self.running.clear()
            ff.kill_group(self.process)
            self._withdraw()

    def _wait_listening(self) -> bool:
        process = self.process
        if process is None:
            return False
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                time.sleep(0.3)  # something answers: ours, unless nginx fails to bind
                return process.poll() is None
            time.sleep(0.1)
        return False

    def _heartbeat(self) -> None:
        try:
            with self._uow() as uow:
                until = utcnow() + timedelta(seconds=NODE_TTL_SECONDS)
                uow.ingest_nodes.renew(self.node_id, PROTOCOL, until)
                uow.commit()
        except Exception:
            logger.exception("rtmp ingest heartbeat failed")

    def _reset_sources(self) -> None:
        with self._uow() as uow:
            uow.sources.reset_status(PROTOCOL, IDLE, utcnow())
            uow.commit()

    def _withdraw(self) -> None:
        """nginx is gone: no publisher is connected any more, and rtmp ingest is unavailable
        until it runs again."""
        try:
            with self._uow() as uow:
                uow.ingest_nodes.remove(self.node_id)
                uow.sources.reset_status(PROTOCOL, IDLE, utcnow())
                uow.commit()
        except Exception:
            logger.exception("rtmp ingest failed to withdraw")


def ingest_thread(ingest: RtmpIngest) -> Callable[[], None]:
    """Runs the ingest in a daemon thread; returns the callable that stops it and waits."""
    thread = threading.Thread(target=ingest.run, name="trax-ingest", daemon=True)
    thread.start()

    def stop() -> None:
        ingest.stop()
        thread.join(timeout=15)

    return stop
