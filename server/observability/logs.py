"""Logging: one JSON object per line (python-json-logger) or plain text for development
(`TRAX_LOG_FORMAT=text`, what `make run` uses). Every line carries the id of the request that
caused it (`request_id`, `-` outside a request), and each request ends with one line of its
own (`trax.request`, see telemetry.py). uvicorn's access log is off: that line replaces it and
names the route template, never the raw path or query string (upload signatures live there).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.core import BaseJsonFormatter

from server.config import LOG_FORMATS
from server.domain.request_context import current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Libraries that log each outbound request's full URL at INFO (webhook URLs may carry a token).
QUIET_LIBRARIES = ("httpx", "httpcore")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id.get()
        return True


def _json_formatter_class() -> type[BaseJsonFormatter]:
    """orjson's formatter when orjson is installed (it is pinned): a third of the cost of each
    request's log line goes to the stdlib's json.dumps."""
    try:
        from pythonjsonlogger.orjson import OrjsonFormatter
    except ImportError:  # pragma: no cover - the stdlib formatter is the fallback
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter
    return OrjsonFormatter


def log_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return _json_formatter_class()(
            ["levelname", "name", "process", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    return logging.Formatter(TEXT_FORMAT)


def quiet_libraries() -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """The root logger writes to stderr in `log_format`; uvicorn's loggers go through it."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"TRAX_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(log_formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
