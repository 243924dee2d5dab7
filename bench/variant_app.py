"""The real app with one lever moved, for measuring what that lever buys. Levers that are
settings (response validation, the auth cache, the flavour, workers) need no variant; this
module covers the ones that are not knobs of the server. Never used in production.

    BENCH_LEVERS=pretty_json,... uvicorn bench.variant_app:app
"""

from __future__ import annotations

import json
import logging
import os

from connexion.jsonifier import Jsonifier

from server.app import create_app
from server.config import Settings
from server.http.connexion_compat import CACHES
from server.observability.logs import configure_logging
from server.services.container import Services

LEVERS = {lever.strip() for lever in os.environ.get("BENCH_LEVERS", "").split(",") if lever}
KNOWN = {
    "pretty_json",
    "sqlite_synchronous_normal",
    "no_operation_cache",
    "no_validator_cache",
    "no_telemetry",
    "no_request_log",
}
if LEVERS - KNOWN:
    raise SystemExit(f"unknown BENCH_LEVERS {sorted(LEVERS - KNOWN)}; known: {sorted(KNOWN)}")

options: dict = {}
if "pretty_json" in LEVERS:
    # connexion's default for FlaskApp: indent=2 (the server sends compact JSON).
    options["jsonifier"] = Jsonifier(json, indent=2)

synchronous = "NORMAL" if "sqlite_synchronous_normal" in LEVERS else "FULL"
settings = Settings.from_env()
options["services"] = Services.build(settings, sqlite_synchronous=synchronous)

caches = set(CACHES)
if "no_operation_cache" in LEVERS:
    caches.discard("operations")
if "no_validator_cache" in LEVERS:
    caches.discard("validators")

configure_logging(settings.log_format)  # as server/asgi.py does
if "no_request_log" in LEVERS:  # metrics still counted; the one line per request not written
    logging.getLogger("trax.request").disabled = True
app = create_app(
    settings,
    connexion_caches=frozenset(caches),
    telemetry="no_telemetry" not in LEVERS,
    **options,
)
