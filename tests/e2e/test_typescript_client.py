"""The TypeScript client (openapi-generator's typescript-fetch, with the options of
openapi/generators/typescript-fetch.yaml) as an integrator uses it: the quickstart's code
(docs/quickstarts/typescript.md) compiled with `tsc --strict` and run with Node against a live
server, and a client fed canned responses from a newer server. Needs Java (the generator),
Node and `make node` (tsc); skips without them locally, fails in CI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.optional import require_executable, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "docs" / "quickstarts" / "typescript.md"
TSC = ROOT / "node_modules" / ".bin" / "tsc"
DOCUMENTED_HOST = "https://api-dev.traxstreaming.live/v1"
CLIENT_DIR = "trax-client-typescript"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A directory holding the generated client as ./trax-client-typescript, where programs
    that import it are compiled and run."""
    require_executable("java")
    require_executable("node")
    if not TSC.exists():
        skip_or_fail(f"needs {TSC.relative_to(ROOT)}: run `make node`")
    directory = tmp_path_factory.mktemp("typescript")
    subprocess.run(
        [sys.executable, "tools/clients.py", "generate", "typescript-fetch",
         "--spec", "openapi/openapi.yaml", "--out", str(directory / CLIENT_DIR)],
        cwd=ROOT, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return directory


def quickstart_code() -> str:
    blocks = re.findall(r"```ts\n(.*?)```", QUICKSTART.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 5, "the quickstart lost its examples"
    code = "\n".join(blocks)
    assert f'"{DOCUMENTED_HOST}"' in code and "limit: 100" in code
    # The test server's address comes at run time; limit 2 makes the listing take pages.
    return code.replace(f'"{DOCUMENTED_HOST}"', "(process.env.TRAX_BASE_PATH as string)").replace(
        "limit: 100", "limit: 2"
    )


@pytest.fixture(scope="module")
def programs(workspace) -> Path:
    """The quickstart and the forward-compatibility program, compiled together with
    tsc --strict (CommonJS, for Node) into workspace/out/."""
    (workspace / "quickstart.ts").write_text(quickstart_code(), encoding="utf-8")
    (workspace / "forward.ts").write_text(FORWARD_COMPATIBLE, encoding="utf-8")
    compiled = subprocess.run(
        [str(TSC), "--strict", "--target", "ES2020", "--module", "commonjs",
         "--moduleResolution", "node", "--lib", "ES2020,DOM", "--types", "node",
         "--typeRoots", str(ROOT / "node_modules" / "@types"), "--outDir", str(workspace / "out"),
         str(workspace / "quickstart.ts"), str(workspace / "forward.ts")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    return workspace / "out"


def run_node(program: Path, env: dict[str, str]) -> str:
    ran = subprocess.run(
        ["node", str(program)],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", **env},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return ran.stdout


def test_the_quickstart_runs_as_written(programs, live_server, tenant, make_tenant):
    reader = make_tenant("Reader", scopes=("studios:read",))
    headers = {"Authorization": f"Bearer {tenant.secret}"}
    for i in range(3):
        assert httpx.post(f"{live_server}/studios", json={"name": f"S{i}"}, headers=headers)
    printed = run_node(
        programs / "quickstart.js",
        {
            "TRAX_BASE_PATH": live_server,
            "TRAX_API_KEY": tenant.secret,
            "TRAX_READ_ONLY_KEY": reader.secret,
        },
    ).splitlines()

    studios = httpx.get(f"{live_server}/studios", headers=headers).json()["data"]
    created = studios[-1]
    assert created["name"] == "Friday night show"
    assert printed[0] in (f"studio {created['id']}: starting", f"studio {created['id']}: live")
    status = httpx.get(f"{live_server}/studios/{created['id']}/stream-status", headers=headers)
    assert status.json()["state"] in ("starting", "live")
    # Four studios at two a page: the loop followed nextCursor to the end.
    assert printed[1] == "studios: S0, S1, S2, Friday night show"
    forbidden = re.fullmatch(r"403 insufficient_scope: .+ \(request (req_\w+)\)", printed[2])
    assert forbidden, printed[2]


FORWARD_COMPATIBLE = """
import {
  Configuration, DestinationsApi, ModelErrorFromJSON, ResponseError, StreamApi,
} from "./trax-client-typescript/src";

// Answers like a newer /v1 server: values of extensible enums and fields this client does not
// know, and an error code it has never seen.
const canned: Record<string, { status: number; body: unknown }> = JSON.parse(
  process.env.CANNED as string,
);

const fetchApi = async (input: RequestInfo | URL): Promise<Response> => {
  const path = new URL(String(input)).pathname;
  const answer = canned[path];
  return new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { "Content-Type": "application/json", "X-Request-Id": "req_canned" },
  });
};

async function main(): Promise<void> {
  const config = new Configuration({
    basePath: "https://api.test/v1", accessToken: "sk_live_x", fetchApi,
  });
  const destination = await new DestinationsApi(config).getDestination({
    studioId: "studio_1", destinationId: "dest_1",
  });
  const status = await new StreamApi(config).getStreamStatus({ studioId: "studio_1" });
  let code = "";
  try {
    await new StreamApi(config).goLive({ studioId: "studio_1" });
  } catch (caught) {
    if (!(caught instanceof ResponseError)) throw caught;
    code = ModelErrorFromJSON(await caught.response.json()).error.code;
  }
  console.log(JSON.stringify({
    platform: destination.platform, name: destination.name, state: status.state, code,
  }));
}

main().catch((failure) => { console.error(failure); process.exit(1); });
"""


def test_a_newer_servers_answers_parse(programs, live_server, tenant):
    headers = {"Authorization": f"Bearer {tenant.secret}"}
    studio = httpx.post(f"{live_server}/studios", json={"name": "Show"}, headers=headers).json()
    destination = httpx.post(
        f"{live_server}/studios/{studio['id']}/destinations",
        json={"platform": "youtube", "name": "YouTube", "streamKey": "abcd-efgh"},
        headers=headers,
    ).json()
    status = httpx.get(f"{live_server}/studios/{studio['id']}/stream-status", headers=headers)
    newer_destination = {**destination, "platform": "periscope", "hologram": {"depth": 3}}
    newer_status = {**status.json(), "state": "warming_up", "viewers": 12}
    newer_error = {"error": {"code": "brand_new_code", "message": "New.", "requestId": "req_1",
                             "hint": "unknown field"}}  # fmt: skip
    canned = {
        "/v1/studios/studio_1/destinations/dest_1": {"status": 200, "body": newer_destination},
        "/v1/studios/studio_1/stream-status": {"status": 200, "body": newer_status},
        "/v1/studios/studio_1/go-live": {"status": 409, "body": newer_error},
    }
    printed = run_node(programs / "forward.js", {"CANNED": json.dumps(canned)})
    assert json.loads(printed) == {
        "platform": "periscope",
        "name": "YouTube",
        "state": "warming_up",
        "code": "brand_new_code",
    }
