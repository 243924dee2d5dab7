from __future__ import annotations

from server.domain.ids import new_id
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import Account, utcnow


class AccountService:
    def __init__(self, unit_of_work: UnitOfWorkFactory):
        self._uow = unit_of_work

    def create(self, name: str) -> Account:
        name = name.strip()
        if not name or len(name) > 100:
            raise ValueError("an account name is 1 to 100 characters")
        account = Account(id=new_id("acct"), name=name, created_at=utcnow())
        with self._uow() as uow:
            uow.accounts.add(account)
            uow.commit()
        return account

    def get(self, account_id: str) -> Account | None:
        with self._uow() as uow:
            return uow.accounts.get(account_id)

    def find_by_name(self, name: str) -> Account | None:
        with self._uow() as uow:
            return uow.accounts.find_by_name(name)
