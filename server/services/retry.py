"""Runs a service call again when a versioned row it read changed before its write
(ConcurrentChange, raised by the unit of work without If-Match): the request keeps the
behaviour it had before row versions existed, the last write wins, but on fresh data. With
If-Match the unit of work answers 412 instead and nothing is retried."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from server.domain.errors import ConcurrentChange, ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")
ATTEMPTS = 5


def retry_on_concurrent_change(call: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(call)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        for _ in range(ATTEMPTS - 1):
            try:
                return call(*args, **kwargs)
            except ConcurrentChange:
                continue
        try:
            return call(*args, **kwargs)
        except ConcurrentChange as exc:
            raise ServiceUnavailable(
                "The resource is changing too often to apply this request; retry in a moment.",
                headers={"Retry-After": "1"},
            ) from exc

    return retrying
