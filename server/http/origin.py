"""The origin (scheme://host[:port]) a request reached this server at, for URLs that point back
at it (the embedded media store's upload URLs) when no public base URL is configured."""

from __future__ import annotations

from starlette.types import Scope

from server.storage.media_store import sane_origin

ORIGIN_ARGUMENT = "origin"


def request_origin(scope: Scope) -> str:
    scheme = "https" if scope.get("scheme") == "https" else "http"
    host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
    origin = sane_origin(f"{scheme}://{host}") if host else None
    if origin is None:
        # No usable Host header: the address the connection was accepted on.
        server_host, port = scope.get("server") or ("127.0.0.1", 80)
        origin = f"{scheme}://{server_host}:{port}"
    return origin
