"""Tests that need a heavier tool (a browser, ffmpeg, Node, Java) skip on a developer's machine
without it, with the reason, and fail instead when `TRAX_REQUIRE_ALL_TESTS=1` (set by `.ci/run`),
so CI never passes by skipping them."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = "TRAX_REQUIRE_ALL_TESTS"


def skip_or_fail(reason: str) -> None:
    if os.environ.get(REQUIRE_ALL) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ALL}=1 says this run must not skip it")
    pytest.skip(reason)


def require_executable(name: str) -> str:
    """The path of `name` (a command on PATH or an absolute path), or skip/fail saying so."""
    path = shutil.which(name)
    if path is None:
        skip_or_fail(f"needs {name!r}, which is not installed")
    return path
