from __future__ import annotations

from typing import Any

from server.config import Settings
from server.handlers.shaping import Response


class MetaHandlers:
    def __init__(self, settings: Settings, spec: dict[str, Any]) -> None:
        self._settings = settings
        self._spec = spec

    def get_health(self) -> Response:
        return {"status": "ok", "writeEnabled": self._settings.write_enabled}, 200

    def get_openapi_document(self) -> Response:
        return self._spec, 200
