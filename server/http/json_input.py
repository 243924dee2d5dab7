"""What a JSON request body must be before any layer looks inside it: UTF-8 JSON, nested at most
MAX_DEPTH levels, and made of strings that can be stored (no U+0000, which PostgreSQL refuses,
and no lone UTF-16 surrogate such as `"\\ud800"`, which is not a Unicode scalar value and fails
at commit on every database). The walk is iterative, so no document can exhaust the stack."""

from __future__ import annotations

import codecs
import json
from typing import Any

from server.domain.errors import InvalidRequest

MAX_DEPTH = 32
NUL_MESSAGE = "Strings must not contain the NUL character (U+0000)."
SURROGATE_MESSAGE = (
    "Strings must be valid Unicode: a lone UTF-16 surrogate (such as \\ud800) is not allowed."
)
DEPTH_MESSAGE = f"The request body is nested more than {MAX_DEPTH} levels deep."


def names_utf8(charset: str) -> bool:
    """A Content-Type charset that names UTF-8, in any spelling Python knows ("utf8", "UTF-8")."""
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def check_text(value: str) -> None:
    """Refuses a string that no database can store."""
    if "\x00" in value:
        raise InvalidRequest(NUL_MESSAGE)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRequest(SURROGATE_MESSAGE) from exc


def parse_json_body(body: bytes) -> Any:
    """The parsed document, or `InvalidRequest` saying what is wrong with it."""
    try:
        document = json.loads(body.decode("utf-8"))
    except RecursionError as exc:  # json's C parser recurses once per level
        raise InvalidRequest(DEPTH_MESSAGE) from exc
    except ValueError as exc:
        raise InvalidRequest("The request body is not valid UTF-8 JSON.") from exc
    check_document(document)
    return document


def check_document(document: Any) -> None:
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            check_text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidRequest(DEPTH_MESSAGE)
            if isinstance(value, dict):
                for key, item in value.items():
                    check_text(key)
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)
