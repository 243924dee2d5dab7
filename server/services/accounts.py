from __future__ import annotations

from server.domain.clock import utcnow
from server.domain.ids import new_id
from server.domain.scopes import ALL_SCOPES
from server.services.unit_of_work import UnitOfWorkFactory
from server.services.users import normalize_email
from server.storage.models import Account, User


class AccountService:
    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._uow = unit_of_work

    def create(self, name: str, owner_email: str | None = None) -> Account:
        """The account and its owner user (holding every scope), in one transaction. The
        owner signs in once an email and a password are set (`trax users set-password`)."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ValueError("an account name is 1 to 100 characters")
        email = normalize_email(owner_email) if owner_email is not None else None
        now = utcnow()
        account = Account(id=new_id("acct"), name=name, created_at=now)
        owner = User(
            id=new_id("user"),
            account_id=account.id,
            email=email,
            scopes=" ".join(ALL_SCOPES),
            is_owner=True,
            created_at=now,
        )
        with self._uow() as uow:
            if email is not None and uow.users.find_by_email(email) is not None:
                raise ValueError(f"a user with email {email} exists")
            uow.accounts.add(account)
            uow.flush()
            uow.users.add(owner)
            uow.commit()
        return account

    def get(self, account_id: str) -> Account | None:
        with self._uow() as uow:
            return uow.accounts.get(account_id)

    def find_by_name(self, name: str) -> Account | None:
        with self._uow() as uow:
            return uow.accounts.find_by_name(name)
