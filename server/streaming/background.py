"""The relay worker that `trax serve` runs next to the API, so `make run` streams with nothing
else running. Self-contained: its own services (and database pool), its own thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from server.config import Settings
from server.services.container import Services
from server.streaming.relay import worker_thread

logger = logging.getLogger("trax.relay")


def start_background_relay(settings: Settings) -> Callable[[], None]:
    """Starts a relay worker in a daemon thread; returns the callable that stops it (every
    ffmpeg process it runs is stopped and its studios handed back) and releases its pool."""
    services = Services.build(settings)
    stop_worker = worker_thread(services.relay_worker())

    def stop() -> None:
        stop_worker()
        services.close()

    return stop
