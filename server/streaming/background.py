"""The relay worker that `trax serve` runs next to the API, so `make run` streams with nothing
else running. Self-contained: its own services (and database pool), its own thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from server.config import Settings
from server.services.container import Services
from server.streaming.ingest import ingest_thread
from server.streaming.relay import worker_thread

logger = logging.getLogger("trax.relay")


def start_background_relay(settings: Settings) -> Callable[[], None]:
    """Starts a relay worker, and the embedded RTMP ingest when nginx-rtmp is installed, in
    daemon threads; returns the callable that stops both (every ffmpeg process is stopped and
    the studios handed back) and releases their pool."""
    services = Services.build(settings)
    stop_ingest = start_ingest(services)
    stop_worker = worker_thread(services.relay_worker())

    def stop() -> None:
        stop_worker()
        stop_ingest()
        services.close()

    return stop


def start_ingest(services: Services) -> Callable[[], None]:
    """Starts the embedded RTMP ingest if it can run here; returns the callable that stops it."""
    ingest = services.rtmp_ingest()
    if ingest is None:
        if services.settings.rtmp_ingest:
            logger.warning(
                "rtmp ingest unavailable: nginx with the RTMP module is not installed "
                "(apt-get install nginx-light libnginx-mod-rtmp); rtmp sources stay idle"
            )
        return lambda: None
    return ingest_thread(ingest)
