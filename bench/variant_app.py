"""The real app with one lever moved, for measuring what that lever buys. Levers that are
settings (response validation, the auth cache, the flavour, workers) need no variant; this
module covers the ones that are not knobs of the server. Never used in production.

    BENCH_LEVERS=pretty_json,... uvicorn bench.variant_app:app
"""

from __future__ import annotations

import logging
import os

from connexion.jsonifier import Jsonifier

import server.app
import server.storage.database
from server.config import Settings
from server.observability.logs import configure_logging

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

if "pretty_json" in LEVERS:
    # connexion's default for FlaskApp: indent=2 (the server sends compact JSON).
    server.app.Jsonifier = lambda module, **_: Jsonifier(module, indent=2)

if "sqlite_synchronous_normal" in LEVERS:
    pragmas = server.storage.database._sqlite_pragmas

    def _with_synchronous_normal(dbapi_connection, record) -> None:
        pragmas(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    server.storage.database._sqlite_pragmas = _with_synchronous_normal

if "no_operation_cache" in LEVERS:
    server.app.CONNEXION_CACHES["operations"] = False

if "no_validator_cache" in LEVERS:
    server.app.CONNEXION_CACHES["validators"] = False

settings = Settings.from_env()
configure_logging(settings.log_format)  # as server/asgi.py does
if "no_request_log" in LEVERS:  # metrics still counted; the one line per request not written
    logging.getLogger("trax.request").disabled = True
app = server.app.create_app(settings, telemetry="no_telemetry" not in LEVERS)
