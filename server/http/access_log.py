"""uvicorn's access log writes each request's path with its query string, which for the
embedded store's upload URLs holds the signature (the credential). Only the path is logged."""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class PathOnlyAccessLog(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's record: (client address, method, path with query, HTTP version, status)
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def install() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, PathOnlyAccessLog) for f in logger.filters):
        logger.addFilter(PathOnlyAccessLog())
