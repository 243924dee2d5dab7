"""The Swift and Kotlin quickstarts call what the generators really produce. No Swift or
Kotlin toolchain runs on this machine kind, so each operation call and type the pages use is
looked up in freshly generated sources (swift6 and kotlin, with the committed options)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from spec_tests.support import ROOT

QUICKSTARTS = ROOT / "docs" / "quickstarts"
PAGE_COMMAND = (
    "openapi-generator-cli generate \\\n"
    "  -i https://api-dev.traxstreaming.live/v1/openapi.json \\\n"
    "  -g {generator} -o ./trax-client-{language}"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("native")
    for language in ("swift6", "kotlin"):
        subprocess.run(
            [sys.executable, "tools/clients.py", "generate", language,
             "--spec", "openapi/openapi.yaml", "--out", str(out / language)],
            cwd=ROOT, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    return out


def code_of(page: str, language: str) -> str:
    text = (QUICKSTARTS / page).read_text(encoding="utf-8")
    return "\n".join(re.findall(rf"```{language}\n(.*?)```", text, flags=re.S))


def sources(directory, pattern: str) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in directory.rglob(pattern)}


@pytest.mark.parametrize(
    ("page", "generator", "language"),
    [("swift.md", "swift5", "swift"), ("kotlin.md", "kotlin", "kotlin")],
)
def test_each_page_shows_the_product_pages_command(page, generator, language):
    text = (QUICKSTARTS / page).read_text(encoding="utf-8")
    assert PAGE_COMMAND.format(generator=generator, language=language) in text


def test_the_swift_quickstart_uses_generated_operations_and_types(generated):
    code = code_of("swift.md", "swift")
    files = sources(generated / "swift6", "*.swift")
    calls = re.findall(r"\b(\w+API)\.(\w+)\(", code)
    assert len(calls) >= 4
    for api, operation in calls:
        assert re.search(rf"func {operation}\(", files[api]), f"{api}.{operation}"
    everything = "\n".join(files.values())
    for name in ("TraxApiClientAPIConfiguration", "ModelError", "CreateStudioRequest",
                 "CreateDestinationRequest", "ErrorResponse", "Studio"):  # fmt: skip
        assert name in code
        assert re.search(rf"(class|struct|enum) {name}\b", everything), name
    assert "case youtube" in files["DestinationPlatform"]
    assert "unknownDefaultOpenApi" in files["DestinationPlatform"]


def test_the_kotlin_quickstart_uses_generated_operations_and_types(generated):
    code = code_of("kotlin.md", "kotlin")
    files = sources(generated / "kotlin", "*.kt")
    calls = re.findall(r"\b(\w+Api)\(BASE_PATH\)\.(\w+)\(", code)
    calls += [("StudiosApi", name) for name in re.findall(r"\bstudios\.(\w+)\(", code)]
    assert len(calls) >= 4
    for api, operation in calls:
        assert re.search(rf"fun {operation}\(", files[api]), f"{api}.{operation}"
    everything = "\n".join(files.values())
    for imported in re.findall(r"^import live\.traxstreaming\.api\.\w+\.(\w+)", code, re.M):
        assert re.search(rf"(class|object) {imported}\b", everything), imported
    assert "youtube(" in files["DestinationPlatform"]
    assert "unknown_default_open_api" in files["DestinationPlatform"]
