"""Where media bytes live. Two backends behind one interface (MediaStore):

- LocalMediaStore, the embedded default: files under a directory, uploaded through this
  server's own `PUT /uploads/{mediaId}?expires=…&signature=…` (server/http/uploads.py). The
  signature is an HMAC bound to the asset, its content type, its size and the expiry.
- S3MediaStore: an S3-compatible object store (boto3), uploaded through presigned PUT URLs whose
  SigV4 signature binds Content-Type and Content-Length.

The API never receives the bytes through /v1. A store answers three questions: how to upload
(presign_upload), what it holds for an asset (find), and forgetting an object (delete)."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from server.storage.files import private_directory

logger = logging.getLogger("trax.media")

UPLOAD_PATH_PREFIX = "/uploads/"
_MEDIA_ID = re.compile(r"^media_[0-9A-HJKMNP-TV-Z]{26}$")
_SANE_ORIGIN = re.compile(r"^https?://([A-Za-z0-9.\-]+|\[[0-9a-fA-F:.]+\])(:[0-9]{1,5})?$")


class UploadInProgress(Exception):
    """Another upload of the same asset is in flight."""


class StorageUnavailableError(Exception):
    """The store could not be reached or answered with an error."""


@dataclass(frozen=True)
class PresignedUpload:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    size: int
    # The type the store recorded; None when the store checked it on the way in (local).
    content_type: str | None
    # When the upload completed (the object's modification time).
    completed_at: datetime


class MediaStore(Protocol):
    def presign_upload(
        self, media_id: str, content_type: str, size: int, expires_at: datetime, origin: str
    ) -> PresignedUpload: ...

    def find(self, media_id: str) -> StoredObject | None:
        """What the store holds for the asset; None if nothing (yet). Raises
        StorageUnavailableError if it cannot tell."""

    def delete(self, media_id: str) -> None:
        """Best effort: forgets the object if there is one."""


def is_media_id(value: str) -> bool:
    return _MEDIA_ID.match(value) is not None


def upload_headers(content_type: str, size: int) -> dict[str, str]:
    return {"Content-Type": content_type, "Content-Length": str(size)}


class UploadSigner:
    """HMAC-SHA256 over (media id, content type, size, expiry), base64url without padding."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("an upload-signing secret is required")
        self._secret = secret

    @classmethod
    def derived_from(cls, server_secret: str) -> UploadSigner:
        """A key of its own, derived from the server's secret, so an upload signature can never
        be mistaken for any other HMAC the server makes."""
        return cls(hmac.new(server_secret.encode(), b"trax media upload url v1", "sha256").digest())

    def sign(self, media_id: str, content_type: str, size: int, expires: int) -> str:
        message = f"{media_id}\n{content_type}\n{size}\n{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def verify(
        self, media_id: str, content_type: str, size: int, expires: int, signature: str
    ) -> bool:
        expected = self.sign(media_id, content_type, size, expires)
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


class LocalMediaStore:
    """Files at `<root>/<mediaId>`. Uploads are written to `<root>/.incoming/` first and moved
    into place only once complete and checked, so a refused or broken upload leaves nothing."""

    def __init__(
        self, root: Path, signer: UploadSigner, public_base_url: str | None = None
    ) -> None:
        self.root = Path(root)
        self.incoming = self.root / ".incoming"
        self.signer = signer
        self._public_base_url = public_base_url.rstrip("/") if public_base_url else None

    def _path(self, media_id: str) -> Path:
        if not is_media_id(media_id):
            raise ValueError(f"not a media id: {media_id!r}")
        return self.root / media_id

    def local_path(self, media_id: str) -> Path:
        """Where a stored object's bytes are (the relay plays media sources from here)."""
        return self._path(media_id)

    def presign_upload(
        self, media_id: str, content_type: str, size: int, expires_at: datetime, origin: str
    ) -> PresignedUpload:
        expires = int(expires_at.timestamp())
        signature = self.signer.sign(media_id, content_type, size, expires)
        query = urlencode({"expires": expires, "signature": signature})
        base = self._public_base_url or origin
        return PresignedUpload(
            url=f"{base}{UPLOAD_PATH_PREFIX}{media_id}?{query}",
            method="PUT",
            headers=upload_headers(content_type, size),
            expires_at=expires_at,
        )

    def find(self, media_id: str) -> StoredObject | None:
        try:
            stat = self._path(media_id).stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageUnavailableError(str(exc)) from exc
        # Only checked uploads are ever moved into place, so the type is the declared one.
        return StoredObject(
            size=stat.st_size,
            content_type=None,
            completed_at=datetime.fromtimestamp(stat.st_mtime, UTC),
        )

    def delete(self, media_id: str) -> None:
        try:
            self._path(media_id).unlink(missing_ok=True)
        except OSError:
            logger.warning("could not delete stored media %s", media_id, exc_info=True)

    # The upload endpoint's side: a part file, then an atomic, first-wins move into place.

    def new_part_file(self, media_id: str) -> Path:
        self._path(media_id)  # validates the id
        private_directory(self.root)
        private_directory(self.incoming)
        return self.incoming / f"{media_id}.{secrets.token_hex(8)}.part"

    @contextmanager
    def upload_lock(self, media_id: str) -> Iterator[None]:
        """Held while one upload of the asset is in flight, by any process on this host (an
        advisory lock on `.incoming/<mediaId>.lock`, released by the kernel if the process
        dies; the file is removed on release). `UploadInProgress` if another upload holds it."""
        self._path(media_id)  # validates the id
        private_directory(self.root)
        private_directory(self.incoming)
        path = self.incoming / f"{media_id}.lock"
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise UploadInProgress() from None
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                break
            os.close(fd)  # the holder removed the file as we opened it: lock the new one
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            os.close(fd)

    def remove_abandoned_part_files(self) -> int:
        """Removes part files that no upload in flight holds (left by a crash); returns how
        many. Safe while other processes upload: a locked asset's part files are kept."""
        if not self.incoming.is_dir():
            return 0
        removed = 0
        for part in self.incoming.glob("*.part"):
            media_id = part.name.split(".", 1)[0]
            if not is_media_id(media_id):
                continue
            try:
                with self.upload_lock(media_id):
                    part.unlink(missing_ok=True)
                    removed += 1
            except UploadInProgress:
                continue
        return removed

    def commit_part_file(self, part: Path, media_id: str) -> bool:
        """Moves a complete part file into place unless another upload got there first (False).
        The part file is gone afterwards either way."""
        try:
            os.link(part, self._path(media_id))
            return True
        except FileExistsError:
            return False
        finally:
            part.unlink(missing_ok=True)


def sane_origin(origin: str) -> str | None:
    return origin if _SANE_ORIGIN.match(origin) else None


class S3MediaStore:
    """Objects at `<bucket>/<prefix><mediaId>` in an S3-compatible store."""

    def __init__(self, client: Any, bucket: str, key_prefix: str = "media/") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = key_prefix

    @classmethod
    def from_settings(
        cls,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        key_prefix: str,
    ) -> S3MediaStore:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                # SigV4 signs Content-Type and Content-Length into presigned PUT URLs.
                signature_version="s3v4",
                # A custom endpoint (MinIO, moto, …) usually has no per-bucket host names.
                s3={"addressing_style": "path" if endpoint_url else "virtual"},
                connect_timeout=5,
                read_timeout=15,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        return cls(client, bucket, key_prefix)

    def _key(self, media_id: str) -> str:
        if not is_media_id(media_id):
            raise ValueError(f"not a media id: {media_id!r}")
        return f"{self._prefix}{media_id}"

    def presign_upload(
        self, media_id: str, content_type: str, size: int, expires_at: datetime, origin: str
    ) -> PresignedUpload:
        now = datetime.now(UTC)
        lifetime = max(1, int((expires_at - now).total_seconds()))
        url = self._client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": self._key(media_id),
                "ContentType": content_type,
                "ContentLength": size,
            },
            ExpiresIn=lifetime,
            HttpMethod="PUT",
        )
        return PresignedUpload(
            url=url,
            method="PUT",
            headers=upload_headers(content_type, size),
            expires_at=expires_at,
        )

    def find(self, media_id: str) -> StoredObject | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            head = self._client.head_object(Bucket=self._bucket, Key=self._key(media_id))
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return None
            raise StorageUnavailableError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StorageUnavailableError(str(exc)) from exc
        return StoredObject(
            size=int(head["ContentLength"]),
            content_type=head.get("ContentType") or "",
            completed_at=head["LastModified"].astimezone(UTC),
        )

    def delete(self, media_id: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.delete_object(Bucket=self._bucket, Key=self._key(media_id))
        except (BotoCoreError, ClientError):
            logger.warning("could not delete stored media %s", media_id, exc_info=True)
