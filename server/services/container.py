"""The services of one app instance, wired to one database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import Engine

from server.config import Settings
from server.services.accounts import AccountService
from server.services.api_keys import ApiKeyService
from server.services.media import MediaService
from server.services.studios import StudioService
from server.services.unit_of_work import UnitOfWork
from server.storage.database import make_engine, make_session_factory
from server.storage.media_store import LocalMediaStore, MediaStore, S3MediaStore, UploadSigner


@dataclass
class Services:
    settings: Settings
    engine: Engine
    accounts: AccountService
    api_keys: ApiKeyService
    studios: StudioService
    media: MediaService

    def close(self) -> None:
        self.engine.dispose()

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = make_engine(settings.database_url)
        unit_of_work = partial(UnitOfWork, make_session_factory(engine))
        signer = UploadSigner.derived_from(settings.key_hash_secret)
        store = media_store(settings, signer)
        return cls(
            settings=settings,
            engine=engine,
            accounts=AccountService(unit_of_work),
            api_keys=ApiKeyService(
                unit_of_work,
                settings.key_hash_secret,
                timedelta(seconds=settings.last_used_resolution_seconds),
            ),
            studios=StudioService(unit_of_work),
            media=MediaService(
                unit_of_work,
                store,
                max_bytes=settings.media_max_bytes,
                upload_ttl=timedelta(seconds=settings.media_upload_ttl_seconds),
                signer=signer,
            ),
        )


def media_store(settings: Settings, signer: UploadSigner) -> MediaStore:
    if settings.media_backend == "s3":
        return S3MediaStore.from_settings(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            key_prefix=settings.s3_key_prefix,
        )
    return LocalMediaStore(settings.media_dir, signer, settings.public_base_url)
