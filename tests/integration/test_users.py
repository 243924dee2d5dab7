"""The users service below the pages: password hashing and rehashing."""

from __future__ import annotations

from functools import partial

from argon2 import PasswordHasher

from server.services.passwords import Argon2idHasher
from server.services.unit_of_work import UnitOfWork
from server.services.users import UserService
from server.storage.database import make_session_factory

PASSWORD = "correct horse battery staple"


def test_passwords_are_argon2id_and_rehashed_when_the_parameters_change(services):
    weak = UserService(
        partial(UnitOfWork, make_session_factory(services.engine)),
        Argon2idHasher(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)),
    )
    account = services.accounts.create("Rehash")
    user = weak.create(account.id, "rehash@example.com", ["studios:read"], PASSWORD)
    old = services.users.get(user.id).password_hash
    assert old.startswith("$argon2id$") and "m=8192" in old and PASSWORD not in old
    assert services.users.verify_password("Rehash@Example.com ", PASSWORD).id == user.id
    new = services.users.get(user.id).password_hash
    assert new != old and new.startswith("$argon2id$") and "m=65536" in new
    # Still the same password, and no rehash once the parameters are current.
    assert services.users.verify_password("rehash@example.com", PASSWORD).id == user.id
    assert services.users.get(user.id).password_hash == new
