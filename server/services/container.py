"""The services of one app instance, wired to one database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import Engine

from server.config import Settings
from server.services.accounts import AccountService
from server.services.api_keys import ApiKeyService, AuthCache
from server.services.studios import StudioService
from server.services.unit_of_work import UnitOfWork
from server.storage.database import make_engine, make_session_factory


@dataclass
class Services:
    settings: Settings
    engine: Engine
    accounts: AccountService
    api_keys: ApiKeyService
    studios: StudioService

    def close(self) -> None:
        self.engine.dispose()

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = make_engine(settings.database_url)
        unit_of_work = partial(UnitOfWork, make_session_factory(engine))
        return cls(
            settings=settings,
            engine=engine,
            accounts=AccountService(unit_of_work),
            api_keys=ApiKeyService(
                unit_of_work,
                settings.key_hash_secret,
                timedelta(seconds=settings.last_used_resolution_seconds),
                AuthCache(settings.auth_cache_seconds),
            ),
            studios=StudioService(unit_of_work),
        )
