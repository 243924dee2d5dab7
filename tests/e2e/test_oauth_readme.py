"""The README's "Sign in with TRaX" example works as written: its commands run in bash against
a live server (the browser step through the pages' HTTP client), with its PKCE verifier and
challenge computed by its own openssl lines."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from click.testing import CliRunner

from server.cli import main
from tests.conftest import TEST_KEY_HASH_SECRET
from tests.support.oauth import consent, redirected_params
from tests.support.optional import require_executable
from tests.support.web import WebClient

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "correct horse battery staple"
EXAMPLE_ORIGIN = "http://127.0.0.1:8000"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## Sign in with TRaX\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def _commands(block: str, start: str) -> list[str]:
    """Every command of the block starting with `start`, continuation lines joined."""
    joined = block.replace("\\\n", " ")
    return [line.split("   # ")[0] for line in joined.splitlines() if line.startswith(start)]


def _bash(command: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-c", command], env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return done.stdout


def test_the_verifier_and_challenge_lines(tmp_path):
    require_executable("openssl")
    block = _example()
    [make_verifier] = _commands(block, "VERIFIER=")
    [make_challenge] = _commands(block, "CHALLENGE=")
    out = _bash(f'{make_verifier}\n{make_challenge}\necho "$VERIFIER $CHALLENGE"', {})
    verifier, challenge = out.split()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", verifier)
    assert challenge == create_s256_code_challenge(verifier)
    shown = re.search(r"verifier (\S+) \(RFC 7636's\) has the\n# challenge (\S+)\.", block)
    assert shown, "the example pair is gone from the README"
    out = _bash(f'{make_challenge}\necho "$CHALLENGE"', {"VERIFIER": shown.group(1)})
    assert out.strip() == shown.group(2) == create_s256_code_challenge(shown.group(1))


def test_the_worked_example_end_to_end(settings, services, app, live_server):
    require_executable("openssl")
    require_executable("curl")
    origin = live_server.removesuffix("/v1")
    block = _example()
    account = services.accounts.create("Readers")
    user = services.users.create(account.id, "reader@example.com", ["studios:read"], PASSWORD)

    # 1. trax apps create, as written (the account id filled in).
    [create] = _commands(block, "trax apps create")
    args = [account.id if a == "acct_…" else a for a in shlex.split(create)[1:]]
    env = {"TRAX_DATABASE_URL": settings.database_url, "TRAX_KEY_HASH_SECRET": TEST_KEY_HASH_SECRET}
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    client_id = json.loads(result.output)["clientId"]

    # 2. and 3. the PKCE pair and the authorization URL the person opens.
    [make_verifier] = _commands(block, "VERIFIER=")
    [make_challenge] = _commands(block, "CHALLENGE=")
    [redirect] = _commands(block, "REDIRECT=")
    [echo_url] = _commands(block, 'echo "http')
    out = _bash(
        f'{make_verifier}\n{make_challenge}\n{redirect}\n{echo_url}\necho "$VERIFIER $REDIRECT"',
        {"CLIENT_ID": client_id},
    )
    url, tail = out.strip().splitlines()
    verifier, redirect_uri = tail.split()
    browser = WebClient(app)
    browser.http.base_url = "http://127.0.0.1"
    assert browser.sign_in("reader@example.com", PASSWORD).status_code == 303
    params = redirected_params(consent(browser, url.removeprefix(EXAMPLE_ORIGIN)))
    assert params["state"] == "xyz"

    # 4. to 7. the curl commands, against the live server.
    curls = [c.replace(EXAMPLE_ORIGIN, origin) for c in _commands(block, "curl ")]
    exchange, call, refresh, revoke = curls
    values = {"CLIENT_ID": client_id, "CODE": params["code"], "VERIFIER": verifier,
              "REDIRECT": redirect_uri}  # fmt: skip
    tokens = json.loads(_bash(exchange, values))
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "studios:read", tokens
    assert tokens["access_token"].startswith("tat_") and tokens["expires_in"] == 3600
    values |= {"ACCESS": tokens["access_token"], "REFRESH": tokens["refresh_token"]}
    assert json.loads(_bash(call, values)) == {"data": []}
    rotated = json.loads(_bash(refresh, values))
    assert rotated["refresh_token"] != tokens["refresh_token"]
    values["REFRESH"] = rotated["refresh_token"]
    assert json.loads(_bash(revoke, values)) == {}
    values["ACCESS"] = rotated["access_token"]
    assert json.loads(_bash(call, values))["error"]["code"] == "invalid_key"
    assert user.id  # the person the token acted as


@pytest.mark.parametrize("start", ["VERIFIER=", "CHALLENGE=", "REDIRECT=", "curl ", 'echo "http'])
def test_the_example_keeps_its_steps(start):
    assert _commands(_example(), start)
