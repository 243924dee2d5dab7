"""Input narrowing between two OpenAPI 3.0 documents: a request that the old document accepted
and the new one rejects. Optic's breaking-change rules do not look at constraints (a lower
`maxLength`, a new `pattern`, ...); this check does, over parameters and request bodies with
every local `$ref` resolved. `tools/contract.py narrowing` runs it; so does the review report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# An upper bound that got lower, or a lower bound that got higher, rejects values it accepted.
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum")


@dataclass(frozen=True)
class Narrowing:
    operation: str  # "POST /studios"
    where: str  # "request body `name`", "query parameter `limit`"
    change: str  # "maxLength 100 → 50"

    def __str__(self) -> str:
        return f"{self.operation}: {self.where}: {self.change}"


def resolve(document: dict, node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """`node` with every local `$ref` replaced by its target (a cycle stops at the repeat)."""
    if isinstance(node, list):
        return [resolve(document, item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in seen:
            return {}
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return resolve(document, target, seen | {ref})
    return {key: resolve(document, value, seen) for key, value in node.items()}


def operations(document: dict) -> dict[str, dict]:
    """Every operation, resolved, keyed "METHOD /path", with the path item's parameters merged."""
    result = {}
    for path, item in (document.get("paths") or {}).items():
        item = resolve(document, item)
        shared = item.get("parameters") or []
        for method in METHODS:
            if method not in item:
                continue
            op = dict(item[method])
            own = {(p["in"], p["name"]) for p in op.get("parameters") or []}
            op["parameters"] = [p for p in shared if (p["in"], p["name"]) not in own] + list(
                op.get("parameters") or []
            )
            result[f"{method.upper()} {path}"] = op
    return result


def _number(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else value


def schema_narrowings(before: dict, after: dict, where: str) -> list[tuple[str, str]]:
    """(where, change) for each way `after` accepts less than `before`, recursively."""
    found: list[tuple[str, str]] = []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return found
    for key in UPPER_BOUNDS:
        old, new = before.get(key), after.get(key)
        if new is not None and (old is None or new < old):
            found.append((where, f"{key} {_number(old) if old is not None else 'none'} → {new}"))
    for key in LOWER_BOUNDS:
        old, new = before.get(key), after.get(key)
        if new is not None and (old is None or new > old):
            found.append((where, f"{key} {_number(old) if old is not None else 'none'} → {new}"))
    for key, bound in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        if after.get(key) is True and before.get(key) is not True and bound in after:
            found.append((where, f"{key} added ({bound} {after[bound]} no longer accepted)"))
    if after.get("pattern") is not None and after.get("pattern") != before.get("pattern"):
        old = before.get("pattern")
        change = (
            f"pattern {old!r} → {after['pattern']!r}"
            if old
            else f"new pattern {after['pattern']!r}"
        )
        found.append((where, change))
    if after.get("multipleOf") is not None and after.get("multipleOf") != before.get("multipleOf"):
        found.append((where, f"multipleOf {before.get('multipleOf')} → {after['multipleOf']}"))
    if "enum" in after:
        removed = (
            [v for v in before.get("enum", []) if v not in after["enum"]]
            if "enum" in before
            else None
        )
        if removed is None:
            found.append((where, f"now limited to the values {after['enum']}"))
        elif removed:
            found.append((where, f"enum values removed: {removed}"))
    if before.get("nullable") is True and after.get("nullable") is not True:
        found.append((where, "no longer nullable"))
    old_type, new_type = before.get("type"), after.get("type")
    widened_to_number = (old_type, new_type) == ("integer", "number")
    if (
        old_type is not None
        and new_type is not None
        and old_type != new_type
        and not widened_to_number
    ):
        found.append((where, f"type {old_type} → {new_type}"))
    if (
        before.get("additionalProperties", True) is not False
        and after.get("additionalProperties") is False
    ):
        found.append((where, "additionalProperties now false"))
    old_required = set(before.get("required") or [])
    for name in sorted(set(after.get("required") or []) - old_required):
        found.append((_field(where, name), "now required"))
    old_props, new_props = before.get("properties") or {}, after.get("properties") or {}
    for name in sorted(old_props.keys() & new_props.keys()):
        found += schema_narrowings(old_props[name], new_props[name], _field(where, name))
    if "items" in before and "items" in after:
        found += schema_narrowings(before["items"], after["items"], f"{where}[]")
    if isinstance(before.get("additionalProperties"), dict) and isinstance(
        after.get("additionalProperties"), dict
    ):
        found += schema_narrowings(
            before["additionalProperties"], after["additionalProperties"], f"{where}{{*}}"
        )
    for key in ("allOf", "oneOf", "anyOf"):
        for old, new in zip(before.get(key) or [], after.get(key) or [], strict=False):
            found += schema_narrowings(old, new, where)
    if "allOf" in after and "allOf" not in before:
        for part in after["allOf"]:
            found += schema_narrowings(before, part, where)
    return found


def _field(where: str, name: str) -> str:
    if where.endswith("`"):
        return f"{where[:-1]}.{name}`"
    return f"{where} `{name}`" if where else f"`{name}`"


def narrowings(before_doc: dict, after_doc: dict) -> list[Narrowing]:
    """Every input narrowing of the operations both documents have."""
    found = []
    old_ops, new_ops = operations(before_doc), operations(after_doc)
    for key in sorted(old_ops.keys() & new_ops.keys()):
        old, new = old_ops[key], new_ops[key]
        old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
        for param in new.get("parameters", []):
            ident = (param["in"], param["name"])
            where = f"{param['in']} parameter `{param['name']}`"
            if ident not in old_params:
                if param.get("required"):
                    found.append(Narrowing(key, where, "new required parameter"))
                continue
            previous = old_params[ident]
            if param.get("required") and not previous.get("required"):
                found.append(Narrowing(key, where, "now required"))
            for sub_where, change in schema_narrowings(
                previous.get("schema") or {}, param.get("schema") or {}, ""
            ):
                found.append(Narrowing(key, where + (sub_where and f" {sub_where}"), change))
        old_body, new_body = old.get("requestBody") or {}, new.get("requestBody") or {}
        if new_body.get("required") and old_body and not old_body.get("required"):
            found.append(Narrowing(key, "request body", "now required"))
        old_content, new_content = old_body.get("content") or {}, new_body.get("content") or {}
        for media_type in old_content:
            if new_content and media_type not in new_content:
                found.append(Narrowing(key, "request body", f"{media_type} no longer accepted"))
        for media_type in sorted(old_content.keys() & new_content.keys()):
            for sub_where, change in schema_narrowings(
                old_content[media_type].get("schema") or {},
                new_content[media_type].get("schema") or {},
                "",
            ):
                where = "request body" + (f" {sub_where}" if sub_where else "")
                found.append(Narrowing(key, where, change))
    return found
