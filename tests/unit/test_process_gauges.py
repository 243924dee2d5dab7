"""The per-request gauge sample writes a gauge only when its value moved."""

from __future__ import annotations

from types import SimpleNamespace

from server.app import ProcessGauges
from server.observability.metrics import instruments


class FakePool:
    def __init__(self) -> None:
        self.in_use, self.extra = 0, 0

    def checkedout(self) -> int:
        return self.in_use

    def overflow(self) -> int:
        return self.extra


def test_gauges_follow_the_pool_and_are_written_only_when_they_move(monkeypatch):
    pool = FakePool()
    limiter = SimpleNamespace(degraded=False)
    gauges = ProcessGauges(SimpleNamespace(engine=SimpleNamespace(pool=pool)), limiter)
    metrics = instruments()
    writes = []
    for name in ("db_pool_in_use", "db_pool_overflow", "redis_fallback_active"):
        gauge = getattr(metrics, name)
        original = gauge.set
        monkeypatch.setattr(
            gauge, "set", lambda value, name=name, original=original: (
                writes.append((name, value)), original(value)
            )
        )  # fmt: skip
    gauges.sample()
    assert sorted(writes) == [
        ("db_pool_in_use", 0), ("db_pool_overflow", 0), ("redis_fallback_active", 0)
    ]  # fmt: skip
    writes.clear()
    gauges.sample()
    assert writes == []
    pool.in_use, pool.extra, limiter.degraded = 3, -2, True  # overflow is negative below size
    gauges.sample()
    assert sorted(writes) == [("db_pool_in_use", 3), ("redis_fallback_active", 1)]
    assert metrics.db_pool_in_use._value.get() == 3


def test_a_pool_without_counts_leaves_the_pool_gauges_alone(monkeypatch):
    gauges = ProcessGauges(
        SimpleNamespace(engine=SimpleNamespace(pool=object())), SimpleNamespace(degraded=False)
    )
    written = []
    monkeypatch.setattr(instruments().db_pool_in_use, "set", written.append)
    gauges.sample()
    assert written == []
