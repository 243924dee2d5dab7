"""The generated clients of every language the product page promises (run by `make spec-check`).

python tools/clients.py check [--out build/clients]
    Starts the app, fetches the document it serves at /v1/openapi.json and generates from it,
    with openapi-generator (the PyPI `openapi-generator-cli` package, which needs Java 17+)
    and the committed options of openapi/generators/: typescript-fetch, kotlin, swift6 and the
    product page's swift5. Fails on any generator warning that
    openapi/generators/accepted-warnings.yaml does not accept, on an operation missing from an
    output, and when the TypeScript client does not compile with `tsc --strict`.

python tools/clients.py generate LANGUAGE --spec FILE --out DIR
    One client from a given document (the TypeScript tests use it).

The outputs go to build/ (gitignored) and are never committed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GENERATORS_DIR = ROOT / "openapi" / "generators"
ACCEPTED_WARNINGS = GENERATORS_DIR / "accepted-warnings.yaml"
DEFAULT_OUT = ROOT / "build" / "clients"
TSC = ROOT / "node_modules" / ".bin" / "tsc"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WARNING = re.compile(r"\bWARN\b\s+\S+\s+-\s+(?P<message>.*)$")


@dataclass(frozen=True)
class Language:
    generator: str
    config: str
    # Where the operations end up, and how an operation named `op` is declared there.
    api_glob: str
    declaration: str
    expected_files: tuple[str, ...]


LANGUAGES = {
    "typescript-fetch": Language(
        "typescript-fetch",
        "typescript-fetch.yaml",
        "src/apis/*.ts",
        r"async {op}\(",
        ("src/index.ts", "src/runtime.ts", "src/apis/index.ts", "src/models/index.ts"),
    ),
    "kotlin": Language(
        "kotlin",
        "kotlin.yaml",
        "src/main/kotlin/**/apis/*.kt",
        r"fun {op}\(",
        ("build.gradle", "src/main/kotlin/live/traxstreaming/api/infrastructure/ApiClient.kt"),
    ),
    "swift6": Language(
        "swift6",
        "swift.yaml",
        "Sources/**/APIs/*.swift",
        r"func {op}\(",
        ("Package.swift", "TraxApiClient.podspec"),
    ),
    "swift5": Language(
        "swift5",
        "swift.yaml",
        "TraxApiClient/Classes/OpenAPIs/APIs/*.swift",
        r"func {op}\(",
        ("Package.swift", "TraxApiClient.podspec"),
    ),
}


class GateError(Exception):
    pass


@dataclass
class Outcome:
    language: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)


def generator_command() -> list[str]:
    if shutil.which("java") is None:
        raise GateError(
            "openapi-generator runs on Java 17+, and `java` is not on PATH: install a JRE "
            "(Debian: apt-get install openjdk-17-jre-headless)"
        )
    cli = Path(sys.executable).with_name("openapi-generator-cli")
    if not cli.exists():
        found = shutil.which("openapi-generator-cli")
        if found is None:
            raise GateError("openapi-generator-cli is not installed: run `make setup`")
        cli = Path(found)
    return [str(cli)]


def generate(language: str, spec: Path, out: Path) -> list[str]:
    """Generates one client into `out` (emptied first); returns the generator's warnings."""
    lang = LANGUAGES[language]
    if out.exists():
        shutil.rmtree(out)
    command = [
        *generator_command(),
        "generate",
        "--input-spec",
        str(spec),
        "--generator-name",
        lang.generator,
        "--config",
        str(GENERATORS_DIR / lang.config),
        "--output",
        str(out),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise GateError(f"{language}: openapi-generator failed ({result.returncode}):\n{output}")
    return [m.group("message").strip() for m in map(WARNING.search, output.splitlines()) if m]


def load_accepted() -> list[dict]:
    entries = yaml.safe_load(ACCEPTED_WARNINGS.read_text(encoding="utf-8")) or []
    for entry in entries:
        if not {"generators", "warning", "reason"} <= entry.keys() or not entry["reason"].strip():
            raise GateError(
                f"{ACCEPTED_WARNINGS.name}: every entry needs generators, warning, reason"
            )
    return entries


def triage(language: str, warnings: list[str], accepted: list[dict]) -> tuple[list[str], dict]:
    """The warnings no entry accepts, and how often each accepted one occurred."""
    unaccepted, counts = [], {}
    for warning in warnings:
        entry = next(
            (
                e
                for e in accepted
                if language in e["generators"] and re.fullmatch(e["warning"], warning)
            ),
            None,
        )
        if entry is None:
            unaccepted.append(warning)
        else:
            counts[entry["warning"]] = counts.get(entry["warning"], 0) + 1
    return unaccepted, counts


def operation_ids(spec: dict) -> list[str]:
    return [
        op["operationId"]
        for item in spec.get("paths", {}).values()
        for method, op in item.items()
        if method in METHODS
    ]


def camel_case(operation_id: str) -> str:
    """How the generators name the method of an operation (`list_studios` → `listStudios`)."""
    head, *rest = operation_id.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def missing_pieces(language: str, out: Path, spec: dict) -> list[str]:
    """The expected files that were not generated and the operations without a method."""
    lang = LANGUAGES[language]
    problems = [
        f"{language}: {name} was not generated"
        for name in lang.expected_files
        if not (out / name).exists()
    ]
    sources = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob(lang.api_glob)))
    for op in operation_ids(spec):
        if not re.search(lang.declaration.format(op=re.escape(camel_case(op))), sources):
            problems.append(f"{language}: operation {op} is missing from {lang.api_glob}")
    return problems


def typescript_compiles(out: Path) -> list[str]:
    if not TSC.exists():
        raise GateError(f"{TSC.relative_to(ROOT)} is missing: run `make node` (npm ci) first")
    result = subprocess.run(
        [str(TSC), "--noEmit", "--strict", "--target", "ES2020", "--module", "ES2020"]
        + ["--moduleResolution", "node", "--lib", "ES2020,DOM", str(out / "src" / "index.ts")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        return [f"typescript-fetch: tsc --strict failed:\n{result.stdout}{result.stderr}"]
    return []


@contextmanager
def served_document() -> Iterator[dict]:
    """The document the app serves at /v1/openapi.json, from a real uvicorn on a throwaway
    SQLite database (the route needs no key)."""
    import httpx
    import uvicorn

    from server.app import create_app
    from server.config import Settings
    from server.services.container import Services

    with tempfile.TemporaryDirectory(prefix="trax-served-spec-") as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/served.db",
            key_hash_secret="served-document",
            media_dir=Path(tmp) / "media",
            stream_engine="bookkeeping",
        )
        services = Services.build(settings)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, services),
                host="127.0.0.1",
                port=0,
                log_level="warning",
                lifespan="off",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not server.started:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise GateError("the app did not start under uvicorn")
                time.sleep(0.05)
            port = server.servers[0].sockets[0].getsockname()[1]
            response = httpx.get(f"http://127.0.0.1:{port}/v1/openapi.json", timeout=30)
            if response.status_code != 200:
                raise GateError(f"GET /v1/openapi.json answered {response.status_code}")
            yield response.json()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            services.engine.dispose()


def check(out: Path) -> list[Outcome]:
    generator_command()  # fails first, and clearly, without Java
    accepted = load_accepted()
    out.mkdir(parents=True, exist_ok=True)
    spec_path = out / "openapi.json"
    with served_document() as document:
        spec_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    outcomes = []
    for language in LANGUAGES:
        started = time.monotonic()
        target = out / language
        warnings = generate(language, spec_path, target)
        outcome = Outcome(language, 0.0)
        unaccepted, outcome.accepted = triage(language, warnings, accepted)
        outcome.problems += [f"{language}: generator warning: {w}" for w in unaccepted]
        outcome.problems += missing_pieces(language, target, document)
        if language == "typescript-fetch":
            outcome.problems += typescript_compiles(target)
        outcome.seconds = time.monotonic() - started
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check_parser = sub.add_parser("check")
    check_parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    gen = sub.add_parser("generate")
    gen.add_argument("language", choices=sorted(LANGUAGES))
    gen.add_argument("--spec", type=Path, required=True)
    gen.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            for warning in generate(args.language, args.spec, args.out):
                print(f"warning: {warning}", file=sys.stderr)
            return 0
        outcomes = check(args.out)
    except GateError as error:
        print(f"clients: {error}", file=sys.stderr)
        return 1
    failed = False
    for outcome in outcomes:
        accepted = sum(outcome.accepted.values())
        status = "FAIL" if outcome.problems else "ok"
        print(
            f"clients: {outcome.language}: {status} in {outcome.seconds:.1f}s "
            f"({accepted} accepted warnings, see {ACCEPTED_WARNINGS.relative_to(ROOT)})"
        )
        for problem in outcome.problems:
            print(f"  {problem}", file=sys.stderr)
        failed |= bool(outcome.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
