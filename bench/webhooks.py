"""Webhook delivery, measured (never asserted): latency from commit to receiver over N events,
and the throughput of one delivery worker draining a backlog.

    .venv/bin/python -m bench.webhooks [--events 1000] [--rate 100]

Uses a fresh SQLite file under a temporary directory unless TRAX_DATABASE_URL is set (then that
database must be empty and migrated by this script: use your own). The receiver is the tests'
real HTTP receiver on 127.0.0.1, without signature checks (those run in the test suite), so
the numbers are our side: commit → lease → sign → POST → 2xx recorded."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from server.config import Settings
from server.services.container import Services
from server.services.outbound import parse_networks
from server.storage import migrate
from tests.support.webhook_receiver import WebhookReceiver


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=25.0, help="events per second (latency)")
    parser.add_argument(
        "--poll-only",
        action="store_true",
        help="no in-process wake-up on commit: latency as a worker in another process sees it",
    )
    args = parser.parse_args()
    if args.poll_only:
        from server.storage import event_repositories

        event_repositories.delivery_wakeups.wake = lambda: None

    tmp = Path(tempfile.mkdtemp(prefix="trax-webhook-bench-"))
    url = os.environ.get("TRAX_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings(
        database_url=url,
        write_enabled=True,
        key_hash_secret="bench-secret",
        media_dir=tmp / "media",
        outbound_allowed_networks=parse_networks("127.0.0.0/8"),
    )
    migrate.upgrade(url)
    services = Services.build(settings)
    receiver = WebhookReceiver().start()
    account = services.accounts.create("Bench")
    endpoint, _ = services.webhooks.create(
        account.id, url=receiver.url, event_types=None, description="bench", enabled=True
    )

    # 1. Latency: events committed at a steady rate while one worker runs.
    committed: dict[str, float] = {}
    stop = threading.Event()
    worker = threading.Thread(target=services.delivery_worker().run, args=(stop,), daemon=True)
    worker.start()
    interval = 1.0 / args.rate
    next_at = time.monotonic()
    for _ in range(args.events):
        event = services.webhooks.send_test(account.id, endpoint.id)
        committed[event.id] = time.time()
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    receiver.wait_for(args.events, timeout=120)
    stop.set()
    worker.join(30)
    latencies = [
        (r.received_at - committed[r.event_id]) * 1000 for r in receiver.received[: args.events]
    ]
    print(
        f"latency commit→receiver over {len(latencies)} events at {args.rate:.0f}/s: "
        f"median {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
        f"max {max(latencies):.1f} ms"
    )

    # 2. Throughput: a backlog of N events drained by one worker.
    receiver.received.clear()
    for _ in range(args.events):
        services.webhooks.send_test(account.id, endpoint.id)
    stop = threading.Event()
    started = time.monotonic()
    worker = threading.Thread(target=services.delivery_worker().run, args=(stop,), daemon=True)
    worker.start()
    receiver.wait_for(args.events, timeout=300)
    elapsed = time.monotonic() - started
    stop.set()
    worker.join(30)
    print(
        f"throughput of one worker: {args.events} deliveries in {elapsed:.2f} s = "
        f"{args.events / elapsed:.0f} deliveries/s ({services.engine.dialect.name})"
    )
    receiver.stop()
    services.close()


if __name__ == "__main__":
    main()
