"""Release bookkeeping of the /v1 contract (run by `make spec-check` and `make release-contract`).

python tools/contract.py check
    The working contract, the released one, the changelog and the client version agree:
    the released `info.version` is 1.x.y and heads openapi/CHANGELOG.md, the working
    `info.version` is not behind it (same major), and the generated client's version
    (openapi/client-config.yaml) is the working `info.version`.

python tools/contract.py narrowing [BEFORE AFTER]
    Fails when AFTER (default openapi/openapi.yaml) accepts less input than BEFORE (default the
    released contract): a tighter constraint on a parameter or a request body field
    (tools/narrowing.py), which Optic's rules let through.

python tools/contract.py release 1.1.0 [--note "..."]
    Bumps `info.version` of openapi/openapi.yaml and the client version, copies the contract
    to openapi/released/openapi.yaml and writes a changelog entry listing the operations and
    fields added since the last release. The Makefile runs the breaking-change check before
    and regenerates the client after (`make release-contract VERSION=1.1.0`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from narrowing import narrowings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CURRENT = ROOT / "openapi" / "openapi.yaml"
RELEASED = ROOT / "openapi" / "released" / "openapi.yaml"
CHANGELOG = ROOT / "openapi" / "CHANGELOG.md"
CLIENT_CONFIG = ROOT / "openapi" / "client-config.yaml"
MAJOR = 1  # the /v1 contract: breaking changes go to /v2, never into a 2.x of this file
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
ENTRY = re.compile(r"^## (\d+\.\d+\.\d+) \(\d{4}-\d{2}-\d{2}\)$", re.MULTILINE)


class ContractError(Exception):
    pass


def version_of(text: str) -> tuple[int, int, int]:
    match = SEMVER.match(str(text))
    if not match:
        raise ContractError(f"{text!r} is not a MAJOR.MINOR.PATCH version")
    return tuple(int(part) for part in match.groups())


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def client_version() -> str:
    return str(load(CLIENT_CONFIG)["package_version_override"])


def check() -> list[str]:
    """Returns the problems found (empty when everything agrees)."""
    problems = []
    released = str(load(RELEASED)["info"]["version"])
    current = str(load(CURRENT)["info"]["version"])
    try:
        released_v, current_v = version_of(released), version_of(current)
    except ContractError as error:
        return [str(error)]
    if released_v[0] != MAJOR:
        problems.append(f"the released contract is {released}; /v1 releases are {MAJOR}.x.y")
    if current_v[0] != MAJOR:
        problems.append(
            f"openapi.yaml says {current}: a new major version is a new /v2 contract, "
            f"not a release of this one"
        )
    if current_v < released_v:
        problems.append(f"openapi.yaml ({current}) is behind the released contract ({released})")
    entries = ENTRY.findall(CHANGELOG.read_text(encoding="utf-8"))
    if not entries or entries[0] != released:
        problems.append(
            f"openapi/CHANGELOG.md must start with the entry of the released contract "
            f"({released}); found {entries[:1] or 'none'}"
        )
    if client_version() != current:
        problems.append(
            f"the generated client is versioned {client_version()} (client-config.yaml) but "
            f"the contract is {current}"
        )
    return problems


def operations(spec: dict) -> dict[str, str]:
    return {
        op["operationId"]: f"{method.upper()} {path}"
        for path, item in spec.get("paths", {}).items()
        for method, op in item.items()
        if method in METHODS
    }


def schema_fields(spec: dict) -> set[str]:
    return {
        f"{name}.{field}"
        for name, schema in spec.get("components", {}).get("schemas", {}).items()
        for field in (schema.get("properties") or {})
    }


def changes(before: dict, after: dict) -> list[str]:
    lines = []
    old_ops, new_ops = operations(before), operations(after)
    for op_id in sorted(new_ops.keys() - old_ops.keys()):
        lines.append(f"- New operation `{op_id}` ({new_ops[op_id]}).")
    added_fields = sorted(schema_fields(after) - schema_fields(before))
    if added_fields:
        lines.append("- New fields: " + ", ".join(f"`{f}`" for f in added_fields) + ".")
    return lines


def set_yaml_scalar(text: str, pattern: str, value: str, what: str) -> str:
    updated, count = re.subn(pattern, lambda m: m.group(1) + value, text, count=1, flags=re.M)
    if count != 1:
        raise ContractError(f"could not find {what}")
    return updated


def release(version: str, note: str | None, today: dt.date) -> str:
    new_v = version_of(version)
    before = load(RELEASED)
    released = str(before["info"]["version"])
    if new_v[0] != MAJOR:
        raise ContractError(f"/v1 releases are {MAJOR}.x.y; {version} would need a /v2 contract")
    if new_v <= version_of(released):
        raise ContractError(f"{version} is not after the released {released}")
    problems = [p for p in check() if "client" not in p]
    if problems:
        raise ContractError("; ".join(problems))

    text = CURRENT.read_text(encoding="utf-8")
    text = set_yaml_scalar(text, r"(^info:\n(?:  .*\n)*?  version: ).*$", version, "info.version")
    CURRENT.write_text(text, encoding="utf-8")
    config = CLIENT_CONFIG.read_text(encoding="utf-8")
    config = set_yaml_scalar(
        config, r"(^package_version_override: ).*$", version, "package_version_override"
    )
    CLIENT_CONFIG.write_text(config, encoding="utf-8")

    after = load(CURRENT)
    lines = changes(before, after)
    if note:
        lines.append(f"- {note}")
    if not lines:
        raise ContractError("nothing changed since the released contract; give --note")
    entry = f"## {version} ({today.isoformat()})\n\n" + "\n".join(lines) + "\n\n"
    log = CHANGELOG.read_text(encoding="utf-8")
    first = ENTRY.search(log)
    cut = first.start() if first else len(log)
    CHANGELOG.write_text(log[:cut] + entry + log[cut:], encoding="utf-8")
    shutil.copyfile(CURRENT, RELEASED)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check")
    narrow = sub.add_parser("narrowing")
    narrow.add_argument("before", nargs="?", type=Path, default=RELEASED)
    narrow.add_argument("after", nargs="?", type=Path, default=CURRENT)
    rel = sub.add_parser("release")
    rel.add_argument("version")
    rel.add_argument("--note", default=None)
    args = parser.parse_args(argv)
    try:
        if args.command == "narrowing":
            found = narrowings(load(args.before), load(args.after))
            for narrowing in found:
                print(
                    f"contract: input narrowed (breaking within /v1): {narrowing}", file=sys.stderr
                )
            if found:
                return 1
            print(f"contract: no input narrowed since {args.before}")
        elif args.command == "check":
            problems = check()
            for problem in problems:
                print(f"contract: {problem}", file=sys.stderr)
            if problems:
                return 1
            print(f"contract: released {load(RELEASED)['info']['version']}, versions agree")
        else:
            print(release(args.version, args.note or None, dt.date.today()), end="")
    except ContractError as error:
        print(f"contract: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
