"""The webhook delivery worker: leases due deliveries, signs and sends each, records the attempt.

At least once, and never two attempts of one (event, endpoint) at the same time: a delivery is
leased (SKIP LOCKED on PostgreSQL) before it is attempted, and the outcome is recorded only by
the lease holder. Several workers, on several machines, share the work safely.

Each attempt resolves and checks the URL's host once, then connects to that address (no second
lookup for a DNS rebind to change). Retries follow RETRY_SCHEDULE with jitter, or the receiver's
Retry-After on 429/503; 410 disables the endpoint at once, and so does failing continuously for
five days (a `webhook.disabled` event records it). A slow endpoint holds at most PER_ENDPOINT of
the worker's threads, so it never delays the others, and never the API (a separate thread or
process)."""

from __future__ import annotations

import logging
import random
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from server.config import Settings
from server.domain.clock import utcnow
from server.domain.errors import InvalidRequest, ServiceUnavailable
from server.domain.ids import new_id
from server.domain.states import WebhookDeliveryStatus
from server.observability.metrics import instruments
from server.services.events import RETENTION
from server.services.oauth import CODE_KEPT_AFTER_EXPIRY
from server.services.outbound import OutboundGuard
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.services.webhooks import ATTEMPT_ID_PREFIX, check_webhook_url, connect_address
from server.storage.event_repositories import (
    LeasedDelivery,
    delivery_wakeups,
)
from server.storage.models import WebhookAttempt
from server.webhooks.signing import SecretBox, signature_header
from server.webhooks.transport import (
    DeliveryRequest,
    DeliveryResponse,
    PinnedHttpSender,
    Sender,
)

logger = logging.getLogger("trax.webhooks")

RETRY_SCHEDULE = tuple(
    timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
)
JITTER = 0.1  # each delay is drawn from ±10 % of its nominal value
MAX_RETRY_AFTER = timedelta(hours=24)
FAILING_LIMIT = timedelta(days=5)
# Longer than the 15 s request timeout plus signing and recording: a live lease never expires
# under an attempt in progress; a dead worker's lease expires and another worker retries.
LEASE = timedelta(seconds=60)
CONCURRENCY = 16
PER_ENDPOINT = 4
POLL_SECONDS = 0.2
PURGE_EVERY = timedelta(minutes=10)
PURGE_BATCH = 1000
USER_AGENT = "TRaX-Webhooks/1.0"


def retry_delay(
    attempt: int, status: int | None, retry_after: str | None, rng: random.Random, now: datetime
) -> timedelta | None:
    """When to try again after failed attempt number `attempt` (1-based); None: give up."""
    if attempt > len(RETRY_SCHEDULE):
        return None
    if status in (429, 503) and retry_after:
        asked = parse_retry_after(retry_after, now)
        if asked is not None:
            return min(max(asked, timedelta(seconds=1)), MAX_RETRY_AFTER)
    nominal = RETRY_SCHEDULE[attempt - 1]
    return nominal * rng.uniform(1 - JITTER, 1 + JITTER)


def parse_retry_after(value: str, now: datetime) -> timedelta | None:
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


class DeliveryWorker:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        guard: OutboundGuard,
        secret_box: SecretBox,
        sender: Sender | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        concurrency: int = CONCURRENCY,
        per_endpoint: int = PER_ENDPOINT,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._uow = unit_of_work
        self._guard = guard
        self._secret_box = secret_box
        self._sender = sender or PinnedHttpSender()
        self._clock = clock
        self._rng = rng or random.Random()
        self._concurrency = concurrency
        self._per_endpoint = per_endpoint
        self._poll_seconds = poll_seconds
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()
        # Set when an attempt finishes or this process commits new deliveries.
        self._wake = threading.Event()
        self._last_purge: datetime | None = None

    # --- running ------------------------------------------------------------------------

    def run_once(self) -> int:
        """Attempts everything due now (for cron); returns the number of attempts made."""
        attempts = 0
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="webhook") as pool:
            while True:
                batch = self._lease(self._concurrency)
                if not batch:
                    break
                list(pool.map(self._attempt_in_flight, batch))
                attempts += len(batch)
        self.purge()
        return attempts

    def run(self, stop: threading.Event) -> None:
        """Delivers until `stop` is set, keeping up to `concurrency` attempts in flight."""
        delivery_wakeups.register(self._wake)
        try:
            self._run(stop)
        finally:
            delivery_wakeups.unregister(self._wake)

    def _run(self, stop: threading.Event) -> None:
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="webhook") as pool:
            while not stop.is_set():
                self._wake.clear()  # before leasing: a wake-up from now on is never lost
                try:
                    self._maybe_purge()
                    with self._lock:
                        free = self._concurrency - sum(self._in_flight.values())
                    batch = self._lease(free) if free > 0 else []
                except Exception:  # the database is down: keep trying, never die
                    logger.exception("webhook worker could not lease deliveries")
                    batch = []
                    stop.wait(1.0)
                for leased in batch:
                    pool.submit(self._attempt_in_flight, leased)
                self._wake.wait(self._poll_seconds)
                if stop.is_set():
                    break
            pool.shutdown(wait=True)

    def _attempt_in_flight(self, leased: LeasedDelivery) -> None:
        try:
            self.attempt(leased)
        except Exception:
            logger.exception("webhook attempt %s failed unexpectedly", leased.delivery_id)
        finally:
            with self._lock:
                self._in_flight[leased.endpoint_id] -= 1
            self._wake.set()

    def _lease(self, limit: int) -> list[LeasedDelivery]:
        now = self._clock()
        with self._lock:
            taken = Counter(self._in_flight)

        def accept(endpoint_id: str) -> bool:
            if taken[endpoint_id] >= self._per_endpoint:
                return False
            taken[endpoint_id] += 1
            return True

        with self._uow() as uow:
            batch = uow.webhooks.lease_due(
                now, limit, now + LEASE, secrets.token_hex(16), accept=accept
            )
            uow.commit()
        with self._lock:
            self._in_flight = +self._in_flight  # drops endpoints with nothing in flight
            for leased in batch:
                self._in_flight[leased.endpoint_id] += 1
        return batch

    def purge(self) -> int:
        """One bounded batch of housekeeping: events past 30 days, Idempotency-Key records past
        their 24 hours (server/services/idempotency.py) and OAuth codes a day past their expiry
        (server/services/oauth.py); returns the events deleted."""
        with self._uow() as uow:
            deleted = uow.events.purge(self._clock() - RETENTION, PURGE_BATCH)
            uow.idempotency.purge(self._clock(), PURGE_BATCH)
            uow.oauth.purge_codes(self._clock() - CODE_KEPT_AFTER_EXPIRY, PURGE_BATCH)
            uow.commit()
        self._last_purge = self._clock()
        return deleted

    def _maybe_purge(self) -> None:
        if self._last_purge is None or self._clock() - self._last_purge >= PURGE_EVERY:
            self.purge()

    # --- one attempt --------------------------------------------------------------------

    def attempt(self, leased: LeasedDelivery) -> DeliveryResponse:
        started = self._clock()
        try:
            checked = check_webhook_url(self._guard, leased.url)
        except InvalidRequest:
            response = DeliveryResponse(None, "address_refused", None, 0)
        except ServiceUnavailable:  # the resolver is down or saturated: retried like any failure
            response = DeliveryResponse(None, "dns_unavailable", None, 0)
        else:
            response = self._sender.send(
                DeliveryRequest(
                    url=leased.url,
                    address=connect_address(checked.addresses),
                    headers=self._headers(leased, started),
                    body=leased.body.encode(),
                )
            )
        self._record(leased, started, response)
        return response

    def _headers(self, leased: LeasedDelivery, now: datetime) -> dict[str, str]:
        keys = [self._secret_box.open(leased.secret_ciphertext)]
        if (
            leased.previous_secret_ciphertext is not None
            and leased.previous_secret_expires_at is not None
            and now < leased.previous_secret_expires_at
        ):
            keys.append(self._secret_box.open(leased.previous_secret_ciphertext))
        # The real time, whatever the scheduling clock says: receivers accept ±5 minutes.
        signed_at = datetime.now(UTC).replace(microsecond=0)
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": leased.event_id,
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": signature_header(keys, leased.event_id, signed_at, leased.body),
        }

    def _record(
        self, leased: LeasedDelivery, started: datetime, response: DeliveryResponse
    ) -> None:
        with self._uow() as uow:
            delivery = uow.webhooks.held_delivery(leased.delivery_id, leased.lease_token)
            if delivery is None:  # the lease ran out and another worker took over
                return
            now = self._clock()
            next_retry = None
            if response.status is not None and 200 <= response.status < 300:
                delivery.status = WebhookDeliveryStatus.SUCCEEDED
                uow.webhooks.record_success(leased.endpoint_id)
            elif response.status == 410:
                delivery.status = WebhookDeliveryStatus.FAILED
                self._disable(uow, leased.endpoint_id, "gone", now)
            else:
                failing_since = uow.webhooks.record_failure(leased.endpoint_id, started)
                delay = retry_delay(
                    leased.attempt, response.status, response.retry_after, self._rng, now
                )
                if delay is None:
                    delivery.status = WebhookDeliveryStatus.FAILED
                else:
                    next_retry = now + delay
                    delivery.next_attempt_at = next_retry
                if failing_since is not None and now - failing_since >= FAILING_LIMIT:
                    self._disable(uow, leased.endpoint_id, "failing", now)
            delivery.leased_until = None
            delivery.lease_token = None
            delivery.updated_at = now
            uow.webhooks.add_attempt(
                WebhookAttempt(
                    id=new_id(ATTEMPT_ID_PREFIX),
                    endpoint_id=leased.endpoint_id,
                    event_id=leased.event_id,
                    attempted_at=started,
                    response_status=response.status,
                    error=response.error,
                    duration_ms=response.duration_ms,
                    next_retry_at=next_retry,
                )
            )
            uow.commit()
        instruments().webhook_delivery_attempts.labels(_outcome(response, next_retry)).inc()
        if response.status is None or not 200 <= response.status < 300:
            logger.info(
                "webhook %s event %s attempt %d: %s",
                leased.endpoint_id,
                leased.event_id,
                leased.attempt,
                response.status or response.error,
            )

    @staticmethod
    def _disable(uow: UnitOfWork, endpoint_id: str, reason: str, now: datetime) -> None:
        if uow.webhooks.disable(endpoint_id, reason, now):
            uow.events.queue("webhook.disabled", ("webhook", endpoint_id), {"enabled": True})
            logger.warning("webhook %s disabled: %s", endpoint_id, reason)


def start_background_delivery(settings: Settings) -> Callable[[], None]:
    """One delivery loop in a daemon thread of this process (what `trax serve` runs); returns
    the function that stops it."""
    from server.services.container import Services

    services = Services.build(settings)
    worker = services.delivery_worker()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="webhook-delivery", daemon=True)
    thread.start()

    def stop_delivery() -> None:
        stop.set()
        thread.join(timeout=20)
        services.close()

    return stop_delivery


def _outcome(response: DeliveryResponse, next_retry: datetime | None) -> str:
    """succeeded; failed (to be retried); gave_up (no retry: 410, or out of attempts)."""
    if response.status is not None and 200 <= response.status < 300:
        return "succeeded"
    return "failed" if next_retry is not None else "gave_up"
