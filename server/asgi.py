"""The ASGI entry point for uvicorn: `uvicorn server.asgi:app` (each worker imports it)."""

import gc

from server.app import create_app
from server.config import Settings
from server.observability.logs import configure_logging

settings = Settings.from_env()
configure_logging(settings.log_format)
app = create_app(settings)
# Everything built so far (the spec, the app, the validators) lives as long as the process:
# moved out of the collector's generations, so collections no longer walk it.
gc.freeze()
