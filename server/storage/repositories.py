"""Every query the services run. Each one that reads tenant data is scoped to an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.domain.pagination import PageRequest
from server.storage.models import Account, ApiKey, Studio


class AccountRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, account: Account) -> None:
        self.session.add(account)

    def get(self, account_id: str) -> Account | None:
        return self.session.get(Account, account_id)

    def find_by_name(self, name: str) -> Account | None:
        return self.session.scalars(
            select(Account).where(Account.name == name).order_by(Account.id).limit(1)
        ).first()


class ApiKeyRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, key: ApiKey) -> None:
        self.session.add(key)

    def get(self, key_id: str) -> ApiKey | None:
        return self.session.get(ApiKey, key_id)

    def find_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        return self.session.scalars(
            select(ApiKey).where(ApiKey.secret_hash == secret_hash)
        ).one_or_none()

    def list_for_account(self, account_id: str) -> list[ApiKey]:
        return list(
            self.session.scalars(
                select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.id)
            )
        )

    def touch_last_used(self, key_id: str, used_at: datetime, stale_before: datetime) -> None:
        """Records use only if the stored value is older than `stale_before` (one write per
        resolution window, not per request; the condition makes racing writers harmless)."""
        self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < stale_before))
            .values(last_used_at=used_at)
        )


class StudioRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, studio: Studio) -> None:
        self.session.add(studio)

    def get(self, account_id: str, studio_id: str) -> Studio | None:
        return self.session.scalars(
            select(Studio).where(Studio.account_id == account_id, Studio.id == studio_id)
        ).one_or_none()

    def page(self, account_id: str, request: PageRequest) -> list[Studio]:
        """Keyset page: at most limit + 1 rows after `after_id`, by id ascending."""
        query = select(Studio).where(Studio.account_id == account_id)
        if request.after_id is not None:
            query = query.where(Studio.id > request.after_id)
        return list(self.session.scalars(query.order_by(Studio.id).limit(request.limit + 1)))
