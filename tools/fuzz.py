"""`make fuzz`: schemathesis's own CLI against a live server, with every check and every phase
(examples, coverage, fuzzing, stateful) and the repository's schemathesis.toml.

    python tools/fuzz.py                      # a throwaway `trax serve` on a temporary database
    python tools/fuzz.py --url https://api.example.com/v1 --key sk_live_...   # a deployment

Against a deployment, use a key of an account made for fuzzing: the run creates, changes and
deletes that account's resources. Extra arguments after `--` go to `schemathesis run`."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PHASES = "examples,coverage,fuzzing,stateful"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throwaway_server(var_dir: Path) -> tuple[subprocess.Popen, str, str]:
    """`trax serve` on a fresh SQLite database with writes on and limits out of the way; returns
    the process, the API's base URL and a key holding every scope."""
    env = dict(
        os.environ,
        TRAX_VAR_DIR=str(var_dir),
        TRAX_DATABASE_URL=f"sqlite:///{var_dir / 'fuzz.db'}",
        PUBLIC_API_WRITE_ENABLED="1",
        TRAX_RATE_LIMIT_BURST="1000000000",
        TRAX_RATE_LIMIT_PER_SECOND="1000000000",
        TRAX_VALIDATE_RESPONSES="1",
    )
    subprocess.run([BIN / "trax", "db", "upgrade"], env=env, check=True, capture_output=True)
    code = (
        "from server.config import Settings; from server.services.container import Services;"
        "from server.domain.scopes import ALL_SCOPES;"
        "s = Services.build(Settings.from_env()); a = s.accounts.create('fuzz');"
        "print(s.api_keys.create(a.id, 'fuzz', list(ALL_SCOPES)).secret)"
    )
    secret = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = free_port()
    log = (var_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [BIN / "trax", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base_url}/health").raise_for_status()
            return process, base_url, secret
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((var_dir / "serve.log").read_text()) from None
            time.sleep(0.2)


def fuzz(base_url: str, secret: str, extra: list[str]) -> int:
    command = [
        BIN / "schemathesis",
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        PHASES,
        # Both header schemes at once, or schemathesis' ignored_auth reports a false positive.
        "--header",
        f"Authorization: Bearer {secret}",
        "--header",
        f"X-API-Key: {secret}",
        *extra,
    ]
    return subprocess.run(command, cwd=ROOT).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="the API's base URL, ending in /v1")
    parser.add_argument("--key", help="an API key with every scope (with --url)")
    arguments, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    if arguments.url:
        if not arguments.key:
            parser.error("--url needs --key")
        return fuzz(arguments.url.rstrip("/"), arguments.key, extra)
    with tempfile.TemporaryDirectory(prefix="trax-fuzz-") as var_dir:
        process, base_url, secret = throwaway_server(Path(var_dir))
        try:
            return fuzz(base_url, secret, extra)
        finally:
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
