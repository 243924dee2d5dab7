"""Files the server creates for itself are private to the user it runs as: an SQLite database
holds API-key hashes and stream keys, the media directory customers' uploads."""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_FILE_PREFIX = "sqlite:///"


def private_directory(path: Path) -> Path:
    """Creates `path` (and missing parents) readable by this user only; an existing directory
    is left as its owner set it."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered through the umask
    return path


def private_sqlite_file(database_url: str) -> None:
    """Creates the database file of a `sqlite:///…` URL with mode 0600 before SQLite opens it
    (SQLite gives its -wal and -shm files the same mode), in a private directory if new."""
    if not database_url.startswith(SQLITE_FILE_PREFIX):
        return
    name = database_url.removeprefix(SQLITE_FILE_PREFIX).split("?", 1)[0]
    if not name or name == ":memory:":
        return
    path = Path(name)
    if not path.parent.is_dir():
        private_directory(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
