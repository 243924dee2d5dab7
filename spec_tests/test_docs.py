"""`make docs` renders one self-contained HTML reference that works offline."""

from __future__ import annotations

import re

import yaml

from spec_tests.support import ROOT, node_tool


def test_the_reference_is_one_offline_html_file(tmp_path):
    output = tmp_path / "reference.html"
    result = node_tool(
        "redocly", "build-docs", "openapi/openapi.yaml", "--inlineBundle", "--output", output
    )
    assert result.returncode == 0, result.stdout + result.stderr
    html = output.read_text(encoding="utf-8")
    external = re.findall(
        r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//[^\"']+", html
    )
    assert external == [], "the page loads resources from the network"
    assert re.search(r"<script\b[^>]*>\s*\S", html), "the Redoc bundle is not inlined"
    spec = yaml.safe_load((ROOT / "openapi" / "openapi.yaml").read_text())
    for item in spec["paths"].values():  # prerendered: readable before any script runs
        for operation in item.values():
            if isinstance(operation, dict) and "summary" in operation:
                assert operation["summary"] in html
