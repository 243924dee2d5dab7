"""The real app with one lever moved, for measuring what that lever buys. Levers that are
settings (response validation, the auth cache, the flavour, workers) need no variant; this
module covers the ones that are not knobs of the server. Never used in production.

    BENCH_LEVERS=pretty_json,... uvicorn bench.variant_app:app
"""

from __future__ import annotations

import gc
import json
import logging
import os

from connexion.jsonifier import Jsonifier

from server.app import create_app
from server.config import Settings
from server.http.connexion_compat import CACHES
from server.observability.logs import configure_logging
from server.services.container import Services
from server.services.studios import StudioService
from server.storage.reads import StudioReads

LEVERS = {lever.strip() for lever in os.environ.get("BENCH_LEVERS", "").split(",") if lever}
KNOWN = {
    "pretty_json",
    "sqlite_synchronous_normal",
    "no_operation_cache",
    "no_validator_cache",
    "no_telemetry",
    "no_request_log",
    "stdlib_json",
    "orm_reads",
    "threaded_handlers",
    "threaded_errors",
    "no_gc_freeze",
    "no_names_cache",
    "no_swagger_ui_path",
    "no_bodiless_plan",
    "no_content_type_cache",
    "core_execution",
    "no_parameter_plan",
    "no_body_definition_cache",
    "no_parsed_body",
    "core_insert",
    "ping_every_checkout",
}
if LEVERS - KNOWN:
    raise SystemExit(f"unknown BENCH_LEVERS {sorted(LEVERS - KNOWN)}; known: {sorted(KNOWN)}")

options: dict = {}
if "pretty_json" in LEVERS:
    # connexion's default for FlaskApp: indent=2 (the server sends compact JSON).
    options["jsonifier"] = Jsonifier(json, indent=2)
elif "stdlib_json" in LEVERS:
    # The stdlib alone, compact (what server/http/json_output.py falls back to).
    options["jsonifier"] = Jsonifier(json, separators=(",", ":"))
if "threaded_handlers" in LEVERS:
    # Every handler one hop away in a thread (as connexion runs a plain sync handler).
    options["inline_reads"] = False
if "threaded_errors" in LEVERS:
    # The error handlers in Starlette's thread pool (connexion's way with a sync handler).
    options["inline_errors"] = False

if "ping_every_checkout" in LEVERS:
    # PostgreSQL: the checkout ping made even for a connection that has just answered.
    from server.storage import stall_guard

    stall_guard.ALIVE_BYPASS_SECONDS = 0.0

synchronous = "NORMAL" if "sqlite_synchronous_normal" in LEVERS else "FULL"
settings = Settings.from_env()
options["services"] = services = Services.build(settings, sqlite_synchronous=synchronous)
if "orm_reads" in LEVERS:
    # Reads through the unit of work and the ORM, as writes are.
    services.studios = StudioService(services.unit_of_work)
elif "core_execution" in LEVERS:
    # The same prepared statements, executed through Core on SQLite too.
    services.studios = StudioService(
        services.unit_of_work, StudioReads(services.engine, direct=False)
    )

caches = set(CACHES)
if "no_operation_cache" in LEVERS:
    caches.discard("operations")
if "no_validator_cache" in LEVERS:
    caches.discard("validators")
if "no_names_cache" in LEVERS:
    caches.discard("names")
if "no_swagger_ui_path" in LEVERS:
    caches.discard("swagger_ui_path")
if "no_bodiless_plan" in LEVERS:
    caches.discard("bodiless")
if "no_content_type_cache" in LEVERS:
    caches.discard("content_type")
if "no_parameter_plan" in LEVERS:
    caches.discard("parameter_plan")
if "no_body_definition_cache" in LEVERS:
    caches.discard("body_definition")
if "no_parsed_body" in LEVERS:
    caches.discard("parsed_body")
if "core_insert" in LEVERS:
    # The studio INSERT executed through Core on SQLite too (as on PostgreSQL).
    from functools import lru_cache

    from server.storage import repositories
    from server.storage.prepared import PreparedInsert

    @lru_cache(maxsize=8)
    def _core_studio_insert(dialect):
        columns = [column.key for _, column in repositories._STUDIO_COLUMNS]
        return PreparedInsert(repositories._INSERT_STUDIO, dialect, columns, direct=False)

    repositories._studio_insert = _core_studio_insert

configure_logging(settings.log_format)  # as server/asgi.py does
if "no_request_log" in LEVERS:  # metrics still counted; the one line per request not written
    logging.getLogger("trax.request").disabled = True
app = create_app(
    settings,
    connexion_caches=frozenset(caches),
    telemetry="no_telemetry" not in LEVERS,
    **options,
)
if "no_gc_freeze" not in LEVERS:
    gc.freeze()  # as server/asgi.py does
