"""Runs the pinned Node tooling of `make spec-check` (installed by `npm ci` into node_modules/)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NODE_BIN = ROOT / "node_modules" / ".bin"
QUIET = {
    "OPTIC_TELEMETRY_LEVEL": "off",
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_COLOR": "1",
}


def node_tool(name: str, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    executable = NODE_BIN / name
    assert executable.exists(), f"{executable} is missing: run `make node` (npm ci) first"
    return subprocess.run(
        [str(executable), *map(str, args)],
        cwd=ROOT,
        env=dict(os.environ, **QUIET),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
