"""The figures operators watch that live in the database (read at each metrics scrape)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from server.domain.clock import utcnow
from server.storage.models import ChatOutbox, Destination, Studio, WebhookDelivery

STREAMING_STATES = ("starting", "live", "stopping")


@dataclass(frozen=True)
class OperationalStats:
    outbox_depth: dict[str, int]
    outbox_oldest_age_seconds: dict[str, float]
    destinations_by_state: dict[str, int]


def read_operational_stats(engine: Engine) -> OperationalStats:
    now = utcnow()
    depth: dict[str, int] = {}
    oldest: dict[str, float] = {}
    with engine.connect() as connection:
        for name, table in (("chat", ChatOutbox), ("webhook", WebhookDelivery)):
            count, first = connection.execute(
                select(func.count(), func.min(table.created_at)).where(table.status == "pending")
            ).one()
            depth[name] = int(count)
            oldest[name] = _age_seconds(now, first)
        by_state = dict(
            connection.execute(
                select(Destination.output_state, func.count())
                .join(Studio, Studio.id == Destination.studio_id)
                .where(Studio.stream_state.in_(STREAMING_STATES), Destination.enabled.is_(True))
                .group_by(Destination.output_state)
            ).all()
        )
    return OperationalStats(depth, oldest, {state: int(n) for state, n in by_state.items()})


def _age_seconds(now: datetime, first: datetime | None) -> float:
    # min() keeps the column's type, so SQLite's value arrives as an aware datetime too.
    return 0.0 if first is None else max(0.0, (now - first).total_seconds())
