"""The queries of "Sign in with TRaX" (server/services/oauth.py). Apps and grants are read
within an account (and a user, for what a person sees); codes and tokens are found by the
HMAC of their secret, one probe of a primary key or unique index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.storage.models import OAuthClient, OAuthCode, OAuthGrant, OAuthToken, User


class OAuthRepository:
    def __init__(self, session: Session):
        self.session = session

    # --- apps ---------------------------------------------------------------------------

    def add_client(self, client: OAuthClient) -> None:
        self.session.add(client)

    def get_client(self, client_id: str) -> OAuthClient | None:
        return self.session.get(OAuthClient, client_id)

    def clients_of_account(self, account_id: str) -> list[OAuthClient]:
        return list(
            self.session.scalars(
                select(OAuthClient)
                .where(OAuthClient.account_id == account_id)
                .order_by(OAuthClient.id.desc())
            )
        )

    def clients_of_user(self, account_id: str, user_id: str) -> list[OAuthClient]:
        return list(
            self.session.scalars(
                select(OAuthClient)
                .where(OAuthClient.account_id == account_id, OAuthClient.created_by == user_id)
                .order_by(OAuthClient.id.desc())
            )
        )

    # --- grants -------------------------------------------------------------------------

    def add_grant(self, grant: OAuthGrant) -> None:
        self.session.add(grant)

    def get_grant(self, grant_id: str) -> OAuthGrant | None:
        return self.session.get(OAuthGrant, grant_id)

    def live_grants_of_user(
        self, account_id: str, user_id: str
    ) -> list[tuple[OAuthGrant, OAuthClient]]:
        """The user's grants still in force that a token was issued for, newest first."""
        rows = self.session.execute(
            select(OAuthGrant, OAuthClient)
            .join(OAuthClient, OAuthGrant.client_id == OAuthClient.id)
            .where(
                OAuthGrant.account_id == account_id,
                OAuthGrant.user_id == user_id,
                OAuthGrant.revoked_at.is_(None),
                OAuthGrant.id.in_(select(OAuthToken.grant_id)),
            )
            .order_by(OAuthGrant.id.desc())
        ).all()
        return [(row[0], row[1]) for row in rows]

    def live_grants_of_client(self, client_id: str) -> list[OAuthGrant]:
        return list(
            self.session.scalars(
                select(OAuthGrant).where(
                    OAuthGrant.client_id == client_id, OAuthGrant.revoked_at.is_(None)
                )
            )
        )

    def revoke_grant(self, grant_id: str, now: datetime, reason: str) -> list[str]:
        """Revokes the grant and every token of it; returns the access-token hashes it ended
        (for the auth cache to forget)."""
        self.session.execute(
            update(OAuthGrant)
            .where(OAuthGrant.id == grant_id, OAuthGrant.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        self.session.execute(
            update(OAuthToken)
            .where(OAuthToken.grant_id == grant_id, OAuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return list(
            self.session.scalars(
                select(OAuthToken.access_hash).where(OAuthToken.grant_id == grant_id)
            )
        )

    # --- codes --------------------------------------------------------------------------

    def add_code(self, code: OAuthCode) -> None:
        self.session.add(code)

    def find_code(self, code_hash: str) -> tuple[OAuthCode, OAuthGrant] | None:
        row = self.session.execute(
            select(OAuthCode, OAuthGrant)
            .join(OAuthGrant, OAuthCode.grant_id == OAuthGrant.id)
            .where(OAuthCode.code_hash == code_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def use_code(self, code_hash: str, now: datetime) -> bool:
        """Marks the code used; False when it already was (a racing second exchange loses)."""
        result = self.session.execute(
            update(OAuthCode)
            .where(OAuthCode.code_hash == code_hash, OAuthCode.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def purge_codes(self, expired_before: datetime, limit: int) -> int:
        """Deletes at most `limit` codes that expired before `expired_before`."""
        hashes = list(
            self.session.scalars(
                select(OAuthCode.code_hash)
                .where(OAuthCode.expires_at < expired_before)
                .order_by(OAuthCode.expires_at)
                .limit(limit)
            )
        )
        if hashes:
            self.session.execute(delete(OAuthCode).where(OAuthCode.code_hash.in_(hashes)))
        return len(hashes)

    # --- tokens -------------------------------------------------------------------------

    def add_token(self, token: OAuthToken) -> None:
        self.session.add(token)

    def find_by_access_hash(
        self, access_hash: str
    ) -> tuple[OAuthToken, OAuthGrant, OAuthClient, User] | None:
        row = self.session.execute(
            select(OAuthToken, OAuthGrant, OAuthClient, User)
            .join(OAuthGrant, OAuthToken.grant_id == OAuthGrant.id)
            .join(OAuthClient, OAuthGrant.client_id == OAuthClient.id)
            .join(User, OAuthGrant.user_id == User.id)
            .where(OAuthToken.access_hash == access_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def find_by_refresh_hash(self, refresh_hash: str) -> tuple[OAuthToken, OAuthGrant] | None:
        row = self.session.execute(
            select(OAuthToken, OAuthGrant)
            .join(OAuthGrant, OAuthToken.grant_id == OAuthGrant.id)
            .where(OAuthToken.refresh_hash == refresh_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def rotate(self, token_id: str, now: datetime) -> bool:
        """Marks a refresh token used; False when it already was (reuse, or a lost race)."""
        result = self.session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == token_id, OAuthToken.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def get_token(self, token_id: str) -> OAuthToken | None:
        return self.session.get(OAuthToken, token_id)

    def revoke_token(self, token_id: str, now: datetime) -> None:
        self.session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == token_id, OAuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
