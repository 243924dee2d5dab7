"""Partial updates (PATCH): set the fields a request carries, and tell which ones changed."""

from __future__ import annotations

from typing import Any


def given(**fields: Any) -> dict[str, Any]:
    """The fields a request carries: those not left out (None means "keep")."""
    return {field: value for field, value in fields.items() if value is not None}


def apply_changes(entity: Any, changes: dict[str, Any]) -> set[str]:
    """Sets each field whose value differs and returns their names (empty: nothing to write)."""
    changed = {field for field, value in changes.items() if getattr(entity, field) != value}
    for field in changed:
        setattr(entity, field, changes[field])
    return changed
