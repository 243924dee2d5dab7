"""The figures operators watch that live in the database (read at each metrics scrape)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from server.storage.models import ChatOutbox, Destination, Studio, WebhookDelivery, utcnow

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


def _age_seconds(now: datetime, first: datetime | str | None) -> float:
    if first is None:
        return 0.0
    if isinstance(first, str):  # SQLite aggregates may lose the column type
        first = datetime.fromisoformat(first)
    if first.tzinfo is None:
        first = first.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - first).total_seconds())
