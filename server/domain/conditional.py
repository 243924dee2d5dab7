"""ETags and conditional requests (RFC 9110 §8.8.3, §13.1): a resource's strong ETag is its
row version, quoted; If-Match compares strongly (a weak tag never matches), If-None-Match
weakly. The If-Match of the request being served travels to the services in
`current_if_match` (set by server/http/conditional.py, like the request id)."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass

from server.domain.errors import PreconditionFailed

# One entity tag: optional W/ then a quoted string of etagc characters.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def etag(version: int) -> str:
    """The strong ETag of a row at `version`."""
    return f'"{version}"'


@dataclass(frozen=True)
class EntityTags:
    """A parsed If-Match / If-None-Match value: `*` or a list of (weak, opaque tag)."""

    any: bool
    tags: tuple[tuple[bool, str], ...] = ()

    def matches_strongly(self, current: str) -> bool:
        """If-Match: `*` or a strong tag equal to `current` (itself a strong ETag)."""
        return self.any or any(not weak and f'"{tag}"' == current for weak, tag in self.tags)

    def matches_weakly(self, current: str) -> bool:
        """If-None-Match: `*` or any tag whose opaque part equals `current`'s."""
        return self.any or any(f'"{tag}"' == current for _, tag in self.tags)


def parse_entity_tags(header: str) -> EntityTags:
    """`*` or a comma-separated list of entity tags. A value that is not one (a bare `3`, a
    stray token) names no ETag the server ever issued, so it matches nothing: If-Match fails
    with 412 and writes nothing, If-None-Match lets the 200 through. Never a silent
    unconditional write, and never a 400 for a header the contract types as a string."""
    value = header.strip()
    if value == "*":
        return EntityTags(any=True)
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            return EntityTags(any=False)
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return EntityTags(any=False, tags=tuple(tags))


current_if_match: ContextVar[EntityTags | None] = ContextVar("current_if_match", default=None)


def require_version(version: int) -> None:
    """Raises 412 when the request carries If-Match and it does not match `version`'s ETag.
    Services call it on the one row the request targets, in the unit of work that changes it;
    the row's version_id_col then makes the check and the write one step (a change in between
    fails the write, which the unit of work turns into the same 412)."""
    expected = current_if_match.get()
    if expected is not None and not expected.matches_strongly(etag(version)):
        raise PreconditionFailed()


def precondition_given() -> bool:
    return current_if_match.get() is not None


def expected_version(version: int) -> int | None:
    """`version` when the request carries If-Match (for a conditional UPDATE that must still
    find the row at the version the precondition was checked against), else None."""
    return version if precondition_given() else None
