"""The response encoder: orjson where it writes what the stdlib would, the stdlib everywhere
else, so the bytes on the wire do not depend on which one ran.

The stdlib (compact separators, connexion's JSONEncoder, ensure_ascii) escapes every non-ASCII
character as \\uXXXX; orjson writes UTF-8. orjson is therefore used only when its output is pure
ASCII, and for plain JSON types only: datetimes, dataclasses and subclasses are passed through
(so it refuses them), as are int keys and integers beyond 64 bits; each of those goes to the
stdlib with connexion's encoder. Floats: the same value either way; the text
differs only below 1e-4 and from 1e16 on (orjson `1e-7`, `0.000015`; the stdlib `1e-07`,
`1.5e-05`), which the contract's one number field (a frame rate) never reaches. Telling them
apart would mean searching the output (about 10 µs per search of a 50-item page, more than
orjson's whole encoding), so it is not done. Without orjson installed, the stdlib does
everything."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from connexion.jsonifier import Jsonifier

orjson: ModuleType | None
try:
    import orjson
except ImportError:  # pragma: no cover - the pinned dependency is installed
    orjson = None

COMPACT = (",", ":")


class FastJson:
    """A json-module lookalike for connexion's Jsonifier (which calls `dumps` and `loads`)."""

    def __init__(self, fast: ModuleType | None = orjson) -> None:
        self._fast = fast
        self._options = (
            0
            if fast is None
            else fast.OPT_PASSTHROUGH_DATETIME
            | fast.OPT_PASSTHROUGH_DATACLASS
            | fast.OPT_PASSTHROUGH_SUBCLASS
        )

    def dumps(self, data: Any, **kwargs: Any) -> str:
        if self._fast is not None and kwargs.get("indent") is None:
            try:
                encoded: bytes = self._fast.dumps(data, option=self._options)
            except TypeError:  # orjson.JSONEncodeError: a type only the stdlib encodes
                pass
            else:
                if encoded.isascii():
                    return encoded.decode("ascii")
        return json.dumps(data, **kwargs)

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return json.loads(data)


def compact_jsonifier(fast: ModuleType | None = orjson) -> Jsonifier:
    return Jsonifier(FastJson(fast), separators=COMPACT)
