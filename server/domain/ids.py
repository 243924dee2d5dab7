"""Type-prefixed, time-sortable ids: `<prefix>_` + a ULID, so sorting by id is creation order."""

from __future__ import annotations

import threading

from ulid import ULID

_lock = threading.Lock()
_last = ULID.from_int(0)


def new_id(prefix: str) -> str:
    """A ULID that is strictly greater than the previous one made by this process.

    ULIDs made in the same millisecond are otherwise ordered at random; bumping the last one
    keeps "id ascending" equal to creation order within a process.
    """
    global _last
    with _lock:
        candidate = ULID()
        if candidate.timestamp <= _last.timestamp:
            candidate = ULID.from_int(int(_last) + 1)
        _last = candidate
    return f"{prefix}_{candidate}"
