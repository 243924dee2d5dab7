"""The contract review report of a change, for the reviewer of a pull request (`make spec-review`).

python tools/review.py [--base REF] [--base-file FILE] [--head-file FILE] [--out FILE]
    Compares openapi/openapi.yaml (or --head-file) with the contract at git ref REF (or
    --base-file; default: the last release, openapi/released/openapi.yaml) and writes one
    Markdown report (default build/spec-review.md): per operation, what was added, changed or
    removed (parameters, request and response fields, status codes, required scope, enum
    values, examples), each marked additive or breaking by the rules of the gate (Optic's
    breaking-change rules as `make spec-check` runs them, plus tools/narrowing.py); the change
    in the generated Python client's public surface; and the version bump the change calls for.
"""

from __future__ import annotations

import argparse
import ast
import functools
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from narrowing import LOWER_BOUNDS, UPPER_BOUNDS, operations, schema_narrowings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CURRENT = ROOT / "openapi" / "openapi.yaml"
RELEASED = ROOT / "openapi" / "released" / "openapi.yaml"
CLIENT_CONFIG = ROOT / "openapi" / "client-config.yaml"
DEFAULT_OUT = ROOT / "build" / "spec-review.md"
ADDITIVE, BREAKING, DOCS = "additive", "breaking", "documentation"
SCOPE = "x-trax-required-scope"


@dataclass(frozen=True)
class Change:
    kind: str  # ADDITIVE, BREAKING or DOCS
    text: str


def fields(schema: dict, prefix: str = "") -> dict[str, dict]:
    """Every property of a resolved schema by dotted path (`a.b`, `items[].c`), allOf merged."""
    found: dict[str, dict] = {}
    if not isinstance(schema, dict):
        return found
    for part in schema.get("allOf") or []:
        found |= fields(part, prefix)
    required = set(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        merged = _merged(prop)
        found[path] = {**merged, "_required": name in required}
        found |= fields(merged, f"{path}.")
        if isinstance(merged.get("items"), dict):
            found |= fields(_merged(merged["items"]), f"{path}[].")
    return found


def _merged(schema: dict) -> dict:
    if not isinstance(schema, dict) or "allOf" not in schema:
        return schema if isinstance(schema, dict) else {}
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = _merged(part)
        merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def _type(schema: dict) -> str:
    kind = schema.get("type") or ("object" if schema.get("properties") else "any")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_type(schema['items'])}"
    return kind


def _values(schema: dict) -> tuple[list, bool]:
    """The enum values of a schema and whether they are extensible (x-extensible-enum)."""
    if "x-extensible-enum" in schema:
        return list(schema["x-extensible-enum"]), True
    return list(schema.get("enum") or []), False


def request_changes(before: dict, after: dict, where: str) -> list[Change]:
    changes = []
    old, new = fields(before), fields(after)
    for path in sorted(new.keys() - old.keys()):
        required = new[path]["_required"] and "." not in path.replace("[]", "")
        if required:
            changes.append(Change(BREAKING, f"{where} field `{path}` added, required"))
        else:
            changes.append(Change(ADDITIVE, f"{where} field `{path}` added (optional)"))
    for path in sorted(old.keys() - new.keys()):
        changes.append(Change(BREAKING, f"{where} field `{path}` removed"))
    for path in sorted(old.keys() & new.keys()):
        o, n = old[path], new[path]
        if _type(o) != _type(n):
            changes.append(
                Change(BREAKING, f"{where} field `{path}`: type {_type(o)} → {_type(n)}")
            )
        if o["_required"] and not n["_required"]:
            changes.append(Change(ADDITIVE, f"{where} field `{path}` no longer required"))
        if n["_required"] and not o["_required"]:
            changes.append(Change(BREAKING, f"{where} field `{path}` now required"))
        if n.get("nullable") and not o.get("nullable"):
            changes.append(Change(ADDITIVE, f"{where} field `{path}` now accepts null"))
        old_values, _ = _values(o)
        new_values, _ = _values(n)
        if added := [v for v in new_values if v not in old_values]:
            changes.append(Change(ADDITIVE, f"{where} field `{path}`: accepts {added}"))
        if removed := [v for v in old_values if v not in new_values]:
            changes.append(Change(BREAKING, f"{where} field `{path}`: no longer accepts {removed}"))
        for change in widenings(o, n):
            changes.append(Change(ADDITIVE, f"{where} field `{path}`: accepts more ({change})"))
        changes += _example_change(o, n, f"{where} field `{path}`")
    for sub_where, change in schema_narrowings(before, after, ""):
        text = f"{where} field {sub_where}: {change}" if sub_where else f"{where}: {change}"
        reported = ("now required", "enum values removed", "type ", "now limited to the values")
        if any(change.startswith(prefix) for prefix in reported):
            continue  # reported above
        changes.append(Change(BREAKING, f"{text} (narrowed input)"))
    return changes


def response_changes(before: dict, after: dict, where: str) -> list[Change]:
    changes = []
    old, new = fields(before), fields(after)
    for path in sorted(new.keys() - old.keys()):
        changes.append(Change(ADDITIVE, f"{where} field `{path}` added"))
    for path in sorted(old.keys() - new.keys()):
        changes.append(Change(BREAKING, f"{where} field `{path}` removed"))
    for path in sorted(old.keys() & new.keys()):
        o, n = old[path], new[path]
        if _type(o) != _type(n):
            changes.append(
                Change(BREAKING, f"{where} field `{path}`: type {_type(o)} → {_type(n)}")
            )
        if n.get("nullable") and not o.get("nullable"):
            changes.append(Change(BREAKING, f"{where} field `{path}` may now be null"))
        if o.get("nullable") and not n.get("nullable"):
            changes.append(Change(ADDITIVE, f"{where} field `{path}` is never null any more"))
        if o["_required"] and not n["_required"]:
            changes.append(Change(BREAKING, f"{where} field `{path}` no longer always present"))
        if not o["_required"] and n["_required"]:
            changes.append(Change(ADDITIVE, f"{where} field `{path}` now always present"))
        old_values, _ = _values(o)
        new_values, extensible = _values(n)
        if added := [v for v in new_values if v not in old_values]:
            kind = ADDITIVE if extensible or not old_values else BREAKING
            note = " (extensible)" if extensible else ""
            changes.append(Change(kind, f"{where} field `{path}`: new values {added}{note}"))
        if removed := [v for v in old_values if v not in new_values]:
            changes.append(Change(ADDITIVE, f"{where} field `{path}`: no longer sends {removed}"))
        changes += _example_change(o, n, f"{where} field `{path}`")
    return changes


def widenings(before: dict, after: dict) -> list[str]:
    """The bounds of one schema that now accept more (its properties are fields of their own)."""
    found = []
    for key in UPPER_BOUNDS + LOWER_BOUNDS:
        old, new = before.get(key), after.get(key)
        if old is None or old == new:
            continue
        if new is None or (new > old if key in UPPER_BOUNDS else new < old):
            found.append(f"{key} {old} → {'none' if new is None else new}")
    if before.get("pattern") and not after.get("pattern"):
        found.append("pattern removed")
    return found


def _example_change(before: dict, after: dict, where: str) -> list[Change]:
    if before.get("example") != after.get("example"):
        return [Change(DOCS, f"{where}: example changed")]
    return []


def _media_examples(content: dict) -> dict:
    return {
        media: {"example": body.get("example"), "examples": body.get("examples")}
        for media, body in (content or {}).items()
    }


def _scope(op: dict) -> str:
    return f"`{op[SCOPE]}`" if op.get(SCOPE) else "none"


def operation_changes(key: str, old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    if old.get(SCOPE) != new.get(SCOPE):
        changes.append(Change(BREAKING, f"required scope {_scope(old)} → {_scope(new)}"))
    old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
    new_params = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
    for ident in sorted(new_params.keys() - old_params.keys()):
        label = f"{ident[0]} parameter `{ident[1]}`"
        if new_params[ident].get("required"):
            changes.append(Change(BREAKING, f"{label} added, required"))
        else:
            changes.append(Change(ADDITIVE, f"{label} added (optional)"))
    for ident in sorted(old_params.keys() - new_params.keys()):
        changes.append(Change(BREAKING, f"{ident[0]} parameter `{ident[1]}` removed"))
    for ident in sorted(old_params.keys() & new_params.keys()):
        label = f"{ident[0]} parameter `{ident[1]}`"
        o, n = old_params[ident], new_params[ident]
        if n.get("required") and not o.get("required"):
            changes.append(Change(BREAKING, f"{label} now required"))
        if o.get("required") and not n.get("required"):
            changes.append(Change(ADDITIVE, f"{label} now optional"))
        o_schema, n_schema = o.get("schema") or {}, n.get("schema") or {}
        for sub, change in schema_narrowings(o_schema, n_schema, ""):
            changes.append(Change(BREAKING, f"{label}{' ' + sub if sub else ''}: {change}"))
        for change in widenings(o_schema, n_schema):
            changes.append(Change(ADDITIVE, f"{label}: accepts more ({change})"))
        if (o.get("example"), o.get("examples")) != (n.get("example"), n.get("examples")):
            changes.append(Change(DOCS, f"{label}: example changed"))
    old_body, new_body = old.get("requestBody") or {}, new.get("requestBody") or {}
    if new_body and not old_body:
        kind = BREAKING if new_body.get("required") else ADDITIVE
        changes.append(Change(kind, "request body added"))
    for media in sorted((old_body.get("content") or {}).keys() & (new_body.get("content") or {})):
        changes += request_changes(
            old_body["content"][media].get("schema") or {},
            new_body["content"][media].get("schema") or {},
            "request",
        )
    if _media_examples(old_body.get("content")) != _media_examples(new_body.get("content")):
        changes.append(Change(DOCS, "request examples changed"))
    old_resp, new_resp = old.get("responses") or {}, new.get("responses") or {}
    for status in sorted(new_resp.keys() - old_resp.keys()):
        changes.append(Change(ADDITIVE, f"status `{status}` added"))
    for status in sorted(old_resp.keys() - new_resp.keys()):
        kind = BREAKING if str(status).startswith("2") else ADDITIVE
        changes.append(Change(kind, f"status `{status}` removed"))
    for status in sorted(old_resp.keys() & new_resp.keys()):
        o_content = old_resp[status].get("content") or {}
        n_content = new_resp[status].get("content") or {}
        for media in sorted(o_content.keys() & n_content.keys()):
            changes += response_changes(
                o_content[media].get("schema") or {},
                n_content[media].get("schema") or {},
                f"response `{status}`",
            )
        if _media_examples(o_content) != _media_examples(n_content):
            changes.append(Change(DOCS, f"response `{status}` examples changed"))
    return changes


def contract_changes(before: dict, after: dict) -> dict[str, list[Change]]:
    """The changes of each operation, keyed "METHOD /path (operationId)"."""
    old_ops, new_ops = operations(before), operations(after)
    result: dict[str, list[Change]] = {}

    def label(key: str, op: dict) -> str:
        return f"{key} (`{op.get('operationId')}`)"

    for key in sorted(new_ops.keys() - old_ops.keys()):
        result[label(key, new_ops[key])] = [Change(ADDITIVE, "new operation")]
    for key in sorted(old_ops.keys() - new_ops.keys()):
        result[label(key, old_ops[key])] = [Change(BREAKING, "operation removed")]
    for key in sorted(old_ops.keys() & new_ops.keys()):
        changes = operation_changes(key, old_ops[key], new_ops[key])
        if changes:
            result[label(key, new_ops[key])] = changes
    return result


def python_surface(spec: dict) -> dict[str, str] | str:
    """The public surface of the Python client `make client` would generate from `spec`:
    operation functions with their parameters, model classes with their fields; or why it
    could not be generated."""
    return _surface_of(yaml.safe_dump(spec, sort_keys=False))


@functools.lru_cache(maxsize=32)
def _surface_of(spec_text: str) -> dict[str, str] | str:
    with tempfile.TemporaryDirectory(prefix="trax-review-") as tmp:
        spec_file, config = Path(tmp) / "openapi.yaml", Path(tmp) / "config.yaml"
        spec_file.write_text(spec_text, encoding="utf-8")
        settings = yaml.safe_load(CLIENT_CONFIG.read_text(encoding="utf-8"))
        settings["post_hooks"] = []
        config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        out = Path(tmp) / "client"
        result = subprocess.run(
            [str(Path(sys.executable).with_name("openapi-python-client")), "generate",
             "--path", str(spec_file), "--config", str(config), "--output-path", str(out),
             "--meta", "none"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if result.returncode != 0 or not out.exists():
            return f"openapi-python-client failed: {(result.stdout + result.stderr).strip()[-500:]}"
        surface: dict[str, str] = {}
        for path in sorted((out / "api").rglob("*.py")):
            if path.name == "__init__.py":
                continue
            module = ".".join(path.relative_to(out).with_suffix("").parts)
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in (
                    "sync",
                    "sync_detailed",
                    "asyncio",
                    "asyncio_detailed",
                ):
                    params = [a.arg for a in node.args.args + node.args.kwonlyargs]
                    surface[f"{module}.{node.name}"] = f"({', '.join(params)})"
        for path in sorted((out / "models").glob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if not isinstance(node, ast.ClassDef):
                    continue
                surface[f"class {node.name}"] = ""
                for item in node.body:
                    if (
                        isinstance(item, ast.AnnAssign)
                        and isinstance(item.target, ast.Name)
                        and item.target.id != "additional_properties"
                    ):
                        surface[f"{node.name}.{item.target.id}"] = (
                            f": {ast.unparse(item.annotation)}"
                        )
        return surface


def surface_lines(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Markdown lines of what was added, removed or changed in the Python client's surface."""
    lines = []
    for title, is_function in (("Operation functions", True), ("Models and fields", False)):
        names = {n for n in before.keys() | after.keys() if _is_function(n) == is_function}
        added = sorted(n for n in names if n not in before)
        removed = sorted(n for n in names if n not in after)
        changed = sorted(n for n in names if n in before and n in after and before[n] != after[n])
        lines.append(
            f"{title}: {len(added)} added, {len(changed)} changed, {len(removed)} removed."
        )
        lines += [f"- added: `{n}{after[n]}`" for n in added]
        lines += [f"- changed: `{n}{before[n]}` → `{n}{after[n]}`" for n in changed]
        lines += [f"- removed: `{n}{before[n]}`" for n in removed]
        lines.append("")
    return lines


def _is_function(name: str) -> bool:
    return name.startswith("api.")


def version_bump(changes: dict[str, list[Change]], surface_changed: bool, base: str) -> str:
    kinds = {change.kind for group in changes.values() for change in group}
    try:
        major, minor, patch = (int(part) for part in str(base).split("."))
    except ValueError:
        major, minor, patch = 1, 0, 0
    if BREAKING in kinds:
        return (
            f"**major** ({major + 1}.0.0): a breaking change, which /v{major} does not allow; "
            f"it needs a /v{major + 1} contract"
        )
    if ADDITIVE in kinds or surface_changed:
        return f"**minor** ({major}.{minor + 1}.0): additive changes only"
    if DOCS in kinds:
        return f"**patch** ({major}.{minor}.{patch + 1}): documentation and examples only"
    return f"**none**: no operation changed since {base}"


def report(before: dict, after: dict, base_label: str, head_label: str) -> str:
    changes = contract_changes(before, after)
    counts = {kind: 0 for kind in (BREAKING, ADDITIVE, DOCS)}
    for group in changes.values():
        for change in group:
            counts[change.kind] += 1
    old_surface, new_surface = python_surface(before), python_surface(after)
    lines = [
        "# Contract review",
        "",
        f"Base: {base_label} (`info.version` {before.get('info', {}).get('version')}); "
        f"head: {head_label} (`info.version` {after.get('info', {}).get('version')}).",
        "",
        f"**{counts[BREAKING]} breaking**, {counts[ADDITIVE]} additive, "
        f"{counts[DOCS]} documentation changes in {len(changes)} operations.",
        "",
        "## Operations",
        "",
    ]
    if not changes:
        lines += ["No operation changed.", ""]
    for operation, group in changes.items():
        lines.append(f"### {operation}")
        lines.append("")
        for change in sorted(group, key=lambda c: (c.kind != BREAKING, c.kind != ADDITIVE)):
            lines.append(f"- {change.kind}: {change.text}")
        lines.append("")
    lines += ["## Python client (`trax_api_client`)", ""]
    if isinstance(old_surface, str) or isinstance(new_surface, str):
        problem = old_surface if isinstance(old_surface, str) else new_surface
        lines += [f"Not compared: {problem}", ""]
        surface_changed = False
    else:
        lines += surface_lines(old_surface, new_surface)
        surface_changed = old_surface != new_surface
    base_version = before.get("info", {}).get("version")
    lines += ["## Version", "", version_bump(changes, surface_changed, base_version), ""]
    return "\n".join(lines)


def document_at(ref: str) -> dict:
    shown = subprocess.run(
        ["git", "show", f"{ref}:openapi/openapi.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if shown.returncode != 0:
        raise SystemExit(f"spec-review: no openapi/openapi.yaml at {ref!r}: {shown.stderr.strip()}")
    return yaml.safe_load(shown.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a git ref (default: the last release)")
    parser.add_argument("--base-file", type=Path)
    parser.add_argument("--head-file", type=Path, default=CURRENT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.base:
        before, base_label = document_at(args.base), f"`{args.base}`"
    else:
        base_file = args.base_file or RELEASED
        before = yaml.safe_load(base_file.read_text(encoding="utf-8"))
        base_label = f"`{_shown(base_file)}`" + (
            " (the last release)" if base_file == RELEASED else ""
        )
    after = yaml.safe_load(args.head_file.read_text(encoding="utf-8"))
    text = report(before, after, base_label, f"`{_shown(args.head_file)}`")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
