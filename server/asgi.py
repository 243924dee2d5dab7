"""The ASGI entry point for uvicorn: `uvicorn server.asgi:app`."""

from server.app import create_app
from server.http import access_log

access_log.install()
app = create_app()
