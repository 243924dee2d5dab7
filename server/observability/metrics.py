"""Prometheus metrics (prometheus-client), served on a port of their own, never on the API's.

With several uvicorn workers each process writes its samples to the multiprocess directory
(`PROMETHEUS_MULTIPROC_DIR`, made and emptied by `trax serve --metrics-port`) and the scrape sums
them. prometheus-client picks its storage when first imported, so nothing here imports it
before `instruments()` is first called: `trax serve` sets the directory up before that.

The figures that live in the database (outbox depths and ages, destinations by state) are read
at scrape time by `DatabaseCollector`, once for all workers, not counted by each process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time (see the module's docstring)
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric

    from server.storage.operational_stats import OperationalStats

    ReadStats = Callable[[], OperationalStats]

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# An API answers in milliseconds; a go-live or an upload chunk may take seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Instruments:
    http_requests: Any
    http_request_duration: Any
    rate_limit_refusals: Any
    auth_cache_hits: Any
    auth_cache_misses: Any
    db_pool_in_use: Any
    db_pool_overflow: Any
    redis_fallback_active: Any
    webhook_delivery_attempts: Any
    chat_delivery_attempts: Any
    relay_processes: Any
    relay_ffmpeg_restarts: Any


_made: list[Instruments] = []
_making = threading.Lock()


def instruments() -> Instruments:
    """The process's metrics, made on first use (thread-safe: a metric registers once)."""
    if _made:
        return _made[0]
    with _making:
        if not _made:
            _made.append(_make_instruments())
    return _made[0]


def _make_instruments() -> Instruments:
    from prometheus_client import Counter, Gauge, Histogram

    return Instruments(
        http_requests=Counter(
            "trax_http_requests_total",
            "API requests answered, by operation (the spec's operationId), status class and "
            "error code.",
            ["operation", "method", "status_class", "error_code"],
        ),
        http_request_duration=Histogram(
            "trax_http_request_duration_seconds",
            "Time from the request's arrival to the end of its response, by operation.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
        ),
        rate_limit_refusals=Counter(
            "trax_rate_limit_refusals_total",
            "Requests refused with 429 rate_limited, by operation.",
            ["operation"],
        ),
        auth_cache_hits=Counter(
            "trax_auth_cache_hits_total", "API keys answered from the in-process cache."
        ),
        auth_cache_misses=Counter(
            "trax_auth_cache_misses_total", "API keys looked up in the database (not cached)."
        ),
        db_pool_in_use=Gauge(
            "trax_db_pool_connections_in_use",
            "Database connections checked out of the pools, summed over live processes.",
            multiprocess_mode="livesum",
        ),
        db_pool_overflow=Gauge(
            "trax_db_pool_overflow_connections",
            "Connections open beyond the pools' size, summed over live processes.",
            multiprocess_mode="livesum",
        ),
        redis_fallback_active=Gauge(
            "trax_rate_limit_redis_fallback_active",
            "1 while a process limits rates locally because Redis is unreachable, else 0.",
            multiprocess_mode="livemax",
        ),
        webhook_delivery_attempts=Counter(
            "trax_webhook_delivery_attempts_total",
            "Webhook delivery attempts, by outcome (succeeded, failed, gave_up).",
            ["outcome"],
        ),
        chat_delivery_attempts=Counter(
            "trax_chat_delivery_attempts_total",
            "Chat outbox delivery attempts, by outcome (sent, retry, failed).",
            ["outcome"],
        ),
        relay_processes=Gauge(
            "trax_relay_processes",
            "ffmpeg processes the relay workers run, by kind (program, output).",
            ["kind"],
            multiprocess_mode="livesum",
        ),
        relay_ffmpeg_restarts=Counter(
            "trax_relay_ffmpeg_restarts_total",
            "ffmpeg processes the relay started again after one exited, by kind.",
            ["kind"],
        ),
    )


def prepare_multiprocess_dir(directory: str | None = None) -> Path:
    """Before any worker starts: an empty directory for the workers' samples, in the
    environment the workers inherit. Samples of an earlier run are removed."""
    chosen = directory or os.environ.get(MULTIPROCESS_DIR_ENV)
    path = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="trax-metrics-"))
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROCESS_DIR_ENV] = str(path)
    return path


class DatabaseCollector:
    """Gauges read from the database at scrape time (a failed read reports no sample and
    `trax_metrics_database_up 0`, never an error page)."""

    def __init__(self, read_stats: ReadStats):
        self._read_stats = read_stats
        self._lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily(
            "trax_metrics_database_up", "1 when the scrape could read the database's figures."
        )
        try:
            with self._lock:
                stats = self._read_stats()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for outbox in ("chat", "webhook"):
            depth = GaugeMetricFamily(
                f"trax_{outbox}_outbox_depth", f"{outbox.title()} deliveries still to make."
            )
            depth.add_metric([], stats.outbox_depth[outbox])
            yield depth
            age = GaugeMetricFamily(
                f"trax_{outbox}_outbox_oldest_age_seconds",
                f"Age of the oldest {outbox} delivery still to make (0 when none).",
            )
            age.add_metric([], stats.outbox_oldest_age_seconds[outbox])
            yield age
        destinations = GaugeMetricFamily(
            "trax_destinations",
            "Enabled destinations of streaming studios, by output state.",
            labels=["state"],
        )
        for state, count in sorted(stats.destinations_by_state.items()):
            destinations.add_metric([state], count)
        yield destinations


class _ThisProcess:
    def __init__(self, registry: CollectorRegistry):
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


def scrape_registry(read_stats: ReadStats | None = None) -> CollectorRegistry:
    """The registry a metrics port serves: every process's samples (multiprocess mode) or this
    process's, plus the database's figures."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    instruments()
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess(REGISTRY))
    if read_stats is not None:
        registry.register(DatabaseCollector(read_stats))
    return registry


def serve_metrics(host: str, port: int, read_stats: ReadStats | None = None) -> Callable[[], None]:
    """Starts the metrics endpoint (`GET /metrics`) in a background thread; returns a stop
    function."""
    from prometheus_client import start_http_server

    server, thread = start_http_server(port, addr=host, registry=scrape_registry(read_stats))

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
