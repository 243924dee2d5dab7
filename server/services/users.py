"""Users: the people of an account, the scopes each holds, their passwords and web sessions.

A user's keys act as that user (server/services/api_keys.py): changing the scopes a user holds
or deactivating the user changes what every key they made may do. Those changes call
`on_access_changed(user_id)`, which drops the user's keys from this process's auth cache, so
they take effect at once here and within the auth-cache bound everywhere else.

Sign-in never says whether an email exists: an unknown email, a wrong password, a deactivated
user and a user without a password all fail the same way, and an unknown email still costs one
hash verification so timing does not tell either."""

from __future__ import annotations

import builtins
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from server.domain.clock import utcnow
from server.domain.ids import new_id
from server.domain.scopes import ALL_SCOPES
from server.services.passwords import PasswordHasher, check_password_rules
from server.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from server.storage.models import User, UserSession

# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
SESSION_TOKEN_BYTES = 32


class InvalidCredentials(Exception):
    """The email and password do not sign anyone in (which part is wrong is not said)."""


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL_LENGTH:
        raise ValueError("not a valid email address")
    return email


def ordered_scopes(scopes: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    return [scope for scope in ALL_SCOPES if scope in scopes]


def generate_password() -> str:
    """A password for an operator to hand over: 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedInUser:
    """The user behind a live web session, as the pages need it."""

    id: str
    account_id: str
    email: str
    scopes: frozenset[str]
    is_owner: bool
    session_id: str


class UserService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        *,
        session_lifetime: timedelta = timedelta(hours=12),
        on_access_changed: Callable[[str], None] = lambda user_id: None,
    ) -> None:
        self._uow = unit_of_work
        self._hasher = hasher
        self._session_lifetime = session_lifetime
        self._on_access_changed = on_access_changed
        self._dummy_hash: str | None = None

    # --- people and scopes -------------------------------------------------------------

    def create(
        self,
        account_id: str,
        email: str,
        scopes: list[str],
        password: str | None = None,
    ) -> User:
        email = normalize_email(email)
        held = ordered_scopes(scopes)
        if not held:
            raise ValueError("a user holds at least one scope")
        if password is not None:
            check_password_rules(password)
        user = User(
            id=new_id("user"),
            account_id=account_id,
            email=email,
            password_hash=self._hasher.hash(password) if password is not None else None,
            scopes=" ".join(held),
            is_owner=False,
            created_at=utcnow(),
        )
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise LookupError(f"no account {account_id}")
            if uow.users.find_by_email(email) is not None:
                raise ValueError(f"a user with email {email} exists")
            uow.users.add(user)
            uow.commit()
        return user

    def get(self, user_id: str) -> User | None:
        with self._uow() as uow:
            return uow.users.get(user_id)

    def owner_of(self, account_id: str) -> User | None:
        with self._uow() as uow:
            return uow.users.owner_of(account_id)

    def list(self, account_id: str) -> builtins.list[User]:
        with self._uow() as uow:
            return uow.users.list_for_account(account_id)

    def set_scopes(self, user_id: str, scopes: builtins.list[str]) -> User:
        held = ordered_scopes(scopes)
        if not held:
            raise ValueError("a user holds at least one scope")
        with self._uow() as uow:
            user = self._existing(uow, user_id)
            user.scopes = " ".join(held)
            uow.commit()
        self._on_access_changed(user_id)
        return user

    def set_email(self, user_id: str, email: str) -> User:
        email = normalize_email(email)
        with self._uow() as uow:
            user = self._existing(uow, user_id)
            other = uow.users.find_by_email(email)
            if other is not None and other.id != user_id:
                raise ValueError(f"a user with email {email} exists")
            user.email = email
            uow.commit()
        return user

    def set_password(self, user_id: str, password: str) -> User:
        check_password_rules(password)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            user = self._existing(uow, user_id)
            user.password_hash = password_hash
            # A new password ends every session signed in with the old one.
            uow.user_sessions.delete_for_user(user_id)
            uow.commit()
        return user

    def set_active(self, user_id: str, active: bool) -> User:
        with self._uow() as uow:
            user = self._existing(uow, user_id)
            if active:
                user.deactivated_at = None
            elif user.deactivated_at is None:
                user.deactivated_at = utcnow()
                uow.user_sessions.delete_for_user(user_id)
            uow.commit()
        self._on_access_changed(user_id)
        return user

    @staticmethod
    def _existing(uow: UnitOfWork, user_id: str) -> User:
        user = uow.users.get(user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        return user

    # --- sign-in and sessions ----------------------------------------------------------

    def verify_password(self, email: str, password: str) -> User:
        """The user these credentials sign in; InvalidCredentials otherwise. Rehashes a
        password whose hash was made with weaker parameters than today's."""
        try:
            email = normalize_email(email)
        except ValueError:
            email = ""
        if not password or len(password) > 1024:
            raise InvalidCredentials()
        with self._uow() as uow:
            user = uow.users.find_by_email(email) if email else None
            if user is None or user.password_hash is None:
                self._hasher.verify(self._dummy(), password)
                raise InvalidCredentials()
            if not self._hasher.verify(user.password_hash, password):
                raise InvalidCredentials()
            if user.deactivated_at is not None:
                raise InvalidCredentials()
            if self._hasher.needs_rehash(user.password_hash):
                user.password_hash = self._hasher.hash(password)
                uow.commit()
            return user

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def start_session(self, user_id: str) -> str:
        """A new session for the user; returns the token the cookie carries (only its hash
        is stored). Every sign-in gets a new token: nothing from before it carries over."""
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        now = utcnow()
        with self._uow() as uow:
            uow.user_sessions.delete_expired(now)
            uow.user_sessions.add(
                UserSession(
                    id=_session_hash(token),
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + self._session_lifetime,
                )
            )
            uow.commit()
        return token

    def user_for_session(self, token: str | None) -> SignedInUser | None:
        """The active user of a live session, or None (unknown, expired, signed out, or the
        user was deactivated)."""
        if not token or len(token) > 128:
            return None
        with self._uow() as uow:
            found = uow.user_sessions.find_live_with_user(_session_hash(token), utcnow())
        if found is None:
            return None
        user_session, user = found
        if user.deactivated_at is not None or user.email is None:
            return None
        return SignedInUser(
            id=user.id,
            account_id=user.account_id,
            email=user.email,
            scopes=frozenset(user.scopes.split()),
            is_owner=user.is_owner,
            session_id=user_session.id,
        )

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with self._uow() as uow:
            uow.user_sessions.delete(_session_hash(token))
            uow.commit()
