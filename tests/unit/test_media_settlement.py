"""The media rules that need no server: settling a pending asset, signing, first-wins commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.services.media import Settlement, settle
from server.storage.media_store import LocalMediaStore, StoredObject, UploadSigner
from server.storage.models import MediaAsset

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
MEDIA_ID = "media_01JDQ3B4C5D6E7F8G9H0J1K2M3"


def asset(**fields) -> MediaAsset:
    return MediaAsset(
        id=MEDIA_ID,
        content_type="video/mp4",
        size=11,
        status="pending_upload",
        upload_expires_at=NOW + timedelta(hours=1),
        **fields,
    )


def stored(size=11, content_type="video/mp4", completed_at=NOW) -> StoredObject:
    return StoredObject(size=size, content_type=content_type, completed_at=completed_at)


@pytest.mark.parametrize(
    ("found", "now", "expected"),
    [
        (None, NOW, None),
        (None, NOW + timedelta(hours=1), Settlement("expired")),
        (stored(), NOW, Settlement("ready")),
        (stored(content_type=None), NOW, Settlement("ready")),
        (stored(content_type="Video/MP4 "), NOW, Settlement("ready")),
        # Checked after the expiry, but completed before it: it counts.
        (stored(), NOW + timedelta(days=2), Settlement("ready")),
        (stored(size=12), NOW, Settlement("failed", "size_mismatch", discard_object=True)),
        (
            stored(content_type="image/png"),
            NOW,
            Settlement("failed", "content_type_mismatch", discard_object=True),
        ),
        (
            stored(completed_at=NOW + timedelta(hours=1)),
            NOW + timedelta(hours=2),
            Settlement("expired", discard_object=True),
        ),
    ],
    ids=[
        "nothing-yet",
        "nothing-by-expiry",
        "match",
        "type-checked-on-the-way-in",
        "type-case-and-space",
        "read-late",
        "size",
        "type",
        "completed-late",
    ],
)
def test_settle(found, now, expected):
    assert settle(asset(), found, now) == expected


def test_the_signature_binds_every_field():
    signer = UploadSigner.derived_from("secret")
    signature = signer.sign(MEDIA_ID, "video/mp4", 11, 1795719845)
    assert signer.verify(MEDIA_ID, "video/mp4", 11, 1795719845, signature)
    for changed in (
        (MEDIA_ID.replace("M3", "M4"), "video/mp4", 11, 1795719845),
        (MEDIA_ID, "video/webm", 11, 1795719845),
        (MEDIA_ID, "video/mp4", 12, 1795719845),
        (MEDIA_ID, "video/mp4", 11, 1795719846),
    ):
        assert not signer.verify(*changed, signature)
    assert not UploadSigner.derived_from("other").verify(
        MEDIA_ID, "video/mp4", 11, 1795719845, signature
    )


def test_the_first_complete_upload_wins(tmp_path):
    store = LocalMediaStore(tmp_path, UploadSigner.derived_from("secret"))
    first, second = store.new_part_file(MEDIA_ID), store.new_part_file(MEDIA_ID)
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    assert store.commit_part_file(first, MEDIA_ID) is True
    assert store.commit_part_file(second, MEDIA_ID) is False
    assert (tmp_path / MEDIA_ID).read_bytes() == b"first"
    assert list(store.incoming.iterdir()) == []
    assert store.find(MEDIA_ID).size == 5
    store.delete(MEDIA_ID)
    assert store.find(MEDIA_ID) is None


def test_store_paths_only_take_media_ids(tmp_path):
    store = LocalMediaStore(tmp_path, UploadSigner.derived_from("secret"))
    for bad in ("../etc/passwd", "media_x", ".incoming"):
        with pytest.raises(ValueError):
            store.new_part_file(bad)
