"""The browser tests' shared set-up: Debian's Chromium driven by Playwright (no browser is
downloaded), skipped without Chromium and failing instead under TRAX_REQUIRE_ALL_TESTS=1 (CI);
screenshots into TRAX_SCREENSHOT_DIR when set (`make screenshots`: docs/screenshots/), else into
the test's temporary directory. Test modules import the fixtures they use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.optional import require_executable

PASSWORD = "correct horse battery staple"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def chromium():
    executable = require_executable("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    chosen = os.environ.get("TRAX_SCREENSHOT_DIR")
    directory = Path(chosen) if chosen else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def origin(live_server) -> str:
    """The server's origin (the pages live beside /v1)."""
    return live_server.removesuffix("/v1")
