"""Every query the services run. Each one that reads tenant data is scoped to an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.domain.pagination import PageRequest
from server.storage.models import Account, ApiKey, MediaAsset, Studio


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


class MediaAssetRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, asset: MediaAsset) -> None:
        self.session.add(asset)

    def get(self, account_id: str, media_id: str) -> MediaAsset | None:
        return self.session.scalars(
            select(MediaAsset).where(MediaAsset.account_id == account_id, MediaAsset.id == media_id)
        ).one_or_none()

    def get_any_account(self, media_id: str) -> MediaAsset | None:
        """For the embedded store's upload URL, which is the credential and names no account."""
        return self.session.get(MediaAsset, media_id)

    def page(self, account_id: str, request: PageRequest) -> list[MediaAsset]:
        """Keyset page: at most limit + 1 rows after `after_id`, by id ascending."""
        query = select(MediaAsset).where(MediaAsset.account_id == account_id)
        if request.after_id is not None:
            query = query.where(MediaAsset.id > request.after_id)
        return list(self.session.scalars(query.order_by(MediaAsset.id).limit(request.limit + 1)))

    def settle_pending(
        self,
        media_id: str,
        *,
        status: str,
        failure_reason: str | None,
        ready_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Moves a pending_upload asset to a final status. Only from pending_upload, so two
        racing reconcilers cannot both settle it (the loser changes nothing); True if it won."""
        result = self.session.execute(
            update(MediaAsset)
            .where(MediaAsset.id == media_id, MediaAsset.status == "pending_upload")
            .values(status=status, failure_reason=failure_reason, ready_at=ready_at, updated_at=now)
        )
        return result.rowcount == 1

    def get_many(self, media_ids: list[str]) -> dict[str, MediaAsset]:
        if not media_ids:
            return {}
        rows = self.session.scalars(select(MediaAsset).where(MediaAsset.id.in_(media_ids)))
        return {row.id: row for row in rows}
