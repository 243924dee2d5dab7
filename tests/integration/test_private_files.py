"""The SQLite database and the media directory are created readable by the server's user only."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from server.storage import migrate
from server.storage.database import make_engine
from server.storage.media_store import LocalMediaStore, UploadSigner


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path):
    os.umask(0o022)
    database = tmp_path / "var" / "trax.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (x INTEGER)"))
    assert mode(database.parent) == 0o700
    for path in (database, *database.parent.glob("trax.db-*")):
        assert mode(path) == 0o600, path
    engine.dispose()


def test_the_media_directory_is_created_private(tmp_path):
    os.umask(0o022)
    root = tmp_path / "media"
    store = LocalMediaStore(root, UploadSigner(b"k" * 32))
    part = store.new_part_file("media_01JD0000000000000000000000")
    part.write_bytes(b"x")
    assert mode(root) == 0o700
    assert mode(root / ".incoming") == 0o700
