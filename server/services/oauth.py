"""Sign in with TRaX: the apps, grants, codes and tokens behind OAuth 2.0 authorization code +
PKCE. The protocol itself (parameters, error responses, the order of checks) is Authlib's,
driven from the web layer (server/web/oauth.py); this service owns what is stored and every
rule of ours:

- An app (`client_id` = `app_…`) is public (no secret) or confidential (a `tcs_` secret shown
  once, only its HMAC stored, like an API key's). Redirect URIs match exactly, except that a
  loopback one (`http://127.0.0.1/…`, `http://[::1]/…`, `http://localhost/…`) matches on any
  port (RFC 8252 §7.3).
- A consent is a grant: the user, the app, the scopes. A user may only grant scopes they hold.
  Its code lives 10 minutes and is used once: a second use revokes the grant, so the tokens the
  first use issued stop working (RFC 6749 §4.1.2).
- Access tokens (`tat_…`) live one hour; refresh tokens (`trt_…`) are rotated on every use, and
  presenting a rotated one again revokes the whole grant (OAuth 2.1 §4.3.1, refresh token reuse
  detection).
- On /v1 an access token acts as its user, limited to the scopes granted and to those the user
  holds at the time of the request; the grant id is its rate-limit bucket (`Principal.key_id`).
  Authentication uses the same kind of in-process cache as API keys (AuthCache), with the same
  bound: revoking through this process forgets the token at once, elsewhere within
  `cache_seconds`; a token's expiry is checked on every request.

Only HMACs of codes, tokens and secrets are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from server.domain.clock import Clock, utcnow
from server.domain.errors import InvalidKey
from server.domain.ids import new_id
from server.domain.principal import Principal
from server.domain.scopes import ALL_SCOPES
from server.services.api_keys import AuthCache, ScopeNotHeld
from server.services.unit_of_work import UnitOfWorkFactory
from server.storage.models import OAuthClient, OAuthCode, OAuthGrant, OAuthToken, User
from server.storage.oauth_repositories import OAuthRepository

ACCESS_TOKEN_PREFIX = "tat_"
REFRESH_TOKEN_PREFIX = "trt_"
CLIENT_SECRET_PREFIX = "tcs_"
_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 43
ACCESS_TOKEN_LENGTH = len(ACCESS_TOKEN_PREFIX) + _RANDOM_LENGTH
CODE_LIFETIME = timedelta(minutes=10)
# A used code stays a day past its expiry, so a replay in that time still finds it and revokes
# its grant (reuse detection); after that the purge deletes it (an unknown code is refused too).
CODE_KEPT_AFTER_EXPIRY = timedelta(days=1)
ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 500
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "localhost")
CODE_CHALLENGE_METHOD = "S256"


def _random(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))


def split_scopes(scope: str | None) -> list[str]:
    return [s for s in (scope or "").split() if s]


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return parts.scheme == "http" and host.lower() in LOOPBACK_HOSTS


def _without_port(uri: str) -> tuple[str, str, str, str]:
    parts = urlsplit(uri)
    return parts.scheme, (parts.hostname or "").lower(), parts.path, parts.query


def redirect_uri_matches(registered: list[str], requested: str) -> bool:
    """Exact string match; a registered loopback URI also matches the same URI on any port."""
    if requested in registered:
        return True
    if not _is_loopback(requested):
        return False
    try:
        wanted = _without_port(requested)
        urlsplit(requested).port  # noqa: B018  # raises on a port that is not a number
    except ValueError:
        return False
    return any(_is_loopback(uri) and _without_port(uri) == wanted for uri in registered)


def check_redirect_uri_rules(uri: str) -> str:
    """A redirect URI an app may register: https, http on a loopback address (native apps,
    RFC 8252 §7.3), or a private-use scheme with a dot (`com.example.app:/cb`, §7.1); absolute,
    without a fragment or user info."""
    uri = uri.strip()
    if not uri or len(uri) > MAX_REDIRECT_URI_LENGTH or any(c.isspace() for c in uri):
        raise ValueError(f"a redirect URI is 1 to {MAX_REDIRECT_URI_LENGTH} characters")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018
    except ValueError:
        raise ValueError(f"not a valid redirect URI: {uri}") from None
    if parts.fragment or "#" in uri:
        raise ValueError(f"a redirect URI has no fragment: {uri}")
    if "@" in parts.netloc:
        raise ValueError(f"a redirect URI has no user info: {uri}")
    if parts.scheme == "https" and parts.hostname:
        return uri
    if _is_loopback(uri):
        return uri
    if parts.scheme not in ("http", "https", "") and "." in parts.scheme and not parts.netloc:
        return uri
    raise ValueError(
        f"a redirect URI is https, http on 127.0.0.1, [::1] or localhost, or a private-use "
        f"scheme like com.example.app:/callback: {uri}"
    )


@dataclass(frozen=True)
class RegisteredApp:
    client: OAuthClient
    # The confidential app's secret, shown once; None for a public app.
    secret: str | None


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True)
class CodeForExchange:
    """A live, unused code, as the token endpoint needs it."""

    code_hash: str
    grant_id: str
    client_id: str
    user_id: str
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str
    scope: str


@dataclass(frozen=True)
class RefreshForExchange:
    token_id: str
    grant_id: str
    client_id: str
    user_id: str
    scope: str


@dataclass(frozen=True)
class RevocableToken:
    token_id: str
    grant_id: str
    client_id: str
    kind: str  # "access_token" or "refresh_token"
    scope: str


@dataclass(frozen=True)
class AuthorizedApp:
    grant: OAuthGrant
    client: OAuthClient


class CodeReused(Exception):
    """The code was used already: the grant is revoked."""


class RefreshReused(Exception):
    """The refresh token was rotated already: the grant is revoked."""


class OAuthService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hash_secret: str,
        cache: AuthCache | None = None,
        clock: Clock = utcnow,
    ) -> None:
        if not hash_secret:
            raise ValueError("a key-hash secret is required")
        self._uow = unit_of_work
        self._hash_secret = hmac.new(hash_secret.encode(), b"trax-oauth", hashlib.sha256).digest()
        self._cache = cache or AuthCache(0)
        self._now = clock

    def _hash(self, secret: str) -> str:
        return hmac.new(self._hash_secret, secret.encode(), hashlib.sha256).hexdigest()

    # --- apps ---------------------------------------------------------------------------

    def register(
        self,
        account_id: str,
        name: str,
        redirect_uris: list[str],
        scopes: list[str],
        *,
        confidential: bool,
        user_id: str | None = None,
    ) -> RegisteredApp:
        """An app of the account, registered by `user_id` (default: the account's owner)."""
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise ValueError("an app name is 1 to 100 characters")
        uris = list(dict.fromkeys(check_redirect_uri_rules(u) for u in redirect_uris if u.strip()))
        if not uris:
            raise ValueError("an app needs at least one redirect URI")
        if len(uris) > MAX_REDIRECT_URIS:
            raise ValueError(f"an app has at most {MAX_REDIRECT_URIS} redirect URIs")
        unknown = sorted(set(scopes) - set(ALL_SCOPES))
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
        if not scopes:
            raise ValueError("an app needs at least one scope it may ask for")
        secret = _random(CLIENT_SECRET_PREFIX) if confidential else None
        client = OAuthClient(
            id=new_id("app"),
            account_id=account_id,
            name=name,
            redirect_uris="\n".join(uris),
            confidential=confidential,
            secret_hash=self._hash(secret) if secret else None,
            secret_prefix=secret[: len(CLIENT_SECRET_PREFIX) + 4] if secret else None,
            scopes=" ".join(s for s in ALL_SCOPES if s in scopes),
            created_at=self._now(),
        )
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise LookupError(f"no account {account_id}")
            user = uow.users.get(user_id) if user_id else uow.users.owner_of(account_id)
            if user is None or user.account_id != account_id:
                raise LookupError(f"no user {user_id} in account {account_id}")
            client.created_by = user.id
            uow.oauth.add_client(client)
            uow.commit()
        return RegisteredApp(client=client, secret=secret)

    def get_client(self, client_id: str | None) -> OAuthClient | None:
        """A live app by its client_id (None for an unknown or deleted one)."""
        if not client_id or len(client_id) > 40:
            return None
        with self._uow() as uow:
            client = uow.oauth.get_client(client_id)
        return client if client is not None and client.revoked_at is None else None

    def list_for_account(self, account_id: str) -> list[OAuthClient]:
        with self._uow() as uow:
            return uow.oauth.clients_of_account(account_id)

    def list_registered_by(self, account_id: str, user_id: str) -> list[OAuthClient]:
        with self._uow() as uow:
            return [c for c in uow.oauth.clients_of_user(account_id, user_id) if not c.revoked_at]

    def delete(self, client_id: str, *, account_id: str | None = None) -> OAuthClient:
        """Deletes an app (of `account_id`, when given): its grants and tokens end."""
        with self._uow() as uow:
            client = uow.oauth.get_client(client_id)
            if client is None or (account_id is not None and client.account_id != account_id):
                raise LookupError(f"no app {client_id}")
            now = self._now()
            ended: list[str] = []
            grant_ids = [grant.id for grant in uow.oauth.live_grants_of_client(client_id)]
            for grant_id in grant_ids:
                ended += uow.oauth.revoke_grant(grant_id, now, "app_deleted")
            if client.revoked_at is None:
                client.revoked_at = now
            uow.commit()
        self._forget(ended)
        return client

    def check_client_secret(self, client: OAuthClient, secret: str | None) -> bool:
        if not client.confidential or client.secret_hash is None or not secret:
            return False
        return hmac.compare_digest(client.secret_hash, self._hash(secret[:200]))

    @staticmethod
    def redirect_uris(client: OAuthClient) -> list[str]:
        return client.redirect_uris.split("\n")

    def check_redirect_uri(self, client: OAuthClient, uri: str) -> bool:
        return redirect_uri_matches(self.redirect_uris(client), uri)

    # --- consent and codes --------------------------------------------------------------

    def issue_code(
        self,
        client_id: str,
        user_id: str,
        scopes: list[str],
        redirect_uri: str,
        code_challenge: str,
        code_challenge_method: str,
        code: str,
    ) -> OAuthGrant:
        """Records the user's consent (a new grant) and its code. ScopeNotHeld when the user
        does not hold every scope; ValueError for scopes the app may not ask for."""
        if code_challenge_method != CODE_CHALLENGE_METHOD or not code_challenge:
            raise ValueError("PKCE with S256 is required")
        now = self._now()
        with self._uow() as uow:
            client = uow.oauth.get_client(client_id)
            user = uow.users.get(user_id)
            if client is None or client.revoked_at is not None:
                raise LookupError(f"no app {client_id}")
            if user is None or user.account_id != client.account_id or user.deactivated_at:
                raise LookupError(f"no user {user_id} in the app's account")
            allowed = set(client.scopes.split())
            if not scopes or not set(scopes) <= allowed:
                raise ValueError("the app may not ask for these scopes")
            missing = self.scopes_not_held(user, scopes)
            if missing:
                raise ScopeNotHeld(missing)
            grant = OAuthGrant(
                id=new_id("grant"),
                client_id=client.id,
                user_id=user.id,
                account_id=client.account_id,
                scopes=" ".join(s for s in ALL_SCOPES if s in scopes),
                created_at=now,
            )
            uow.oauth.add_grant(grant)
            uow.flush()
            uow.oauth.add_code(
                OAuthCode(
                    code_hash=self._hash(code),
                    grant_id=grant.id,
                    redirect_uri=redirect_uri,
                    code_challenge=code_challenge,
                    code_challenge_method=code_challenge_method,
                    scopes=grant.scopes,
                    expires_at=now + CODE_LIFETIME,
                )
            )
            uow.commit()
        return grant

    def purge_codes(self, limit: int = 1000) -> int:
        """Deletes at most `limit` codes expired over CODE_KEPT_AFTER_EXPIRY ago."""
        with self._uow() as uow:
            deleted = uow.oauth.purge_codes(self._now() - CODE_KEPT_AFTER_EXPIRY, limit)
            uow.commit()
        return deleted

    @staticmethod
    def scopes_not_held(user: User, scopes: list[str]) -> list[str]:
        held = set(user.scopes.split())
        return [s for s in ALL_SCOPES if s in scopes and s not in held]

    def code_for_exchange(self, code: str, client_id: str) -> CodeForExchange | None:
        """The code, if it is live, unused and the client's. A code used before revokes its
        grant (and so every token the first use issued) and is refused."""
        if not code or len(code) > 200:
            return None
        code_hash = self._hash(code)
        now = self._now()
        with self._uow() as uow:
            found = uow.oauth.find_code(code_hash)
            if found is None:
                return None
            row, grant = found
            if grant.client_id != client_id:
                return None
            if row.used_at is not None:
                ended = uow.oauth.revoke_grant(grant.id, now, "code_reused")
                uow.commit()
                self._forget(ended)
                return None
            if row.expires_at <= now or grant.revoked_at is not None:
                return None
            return CodeForExchange(
                code_hash=code_hash,
                grant_id=grant.id,
                client_id=grant.client_id,
                user_id=grant.user_id,
                redirect_uri=row.redirect_uri,
                code_challenge=row.code_challenge,
                code_challenge_method=row.code_challenge_method,
                scope=row.scopes,
            )

    def exchange_code(self, code: CodeForExchange) -> IssuedTokens:
        """Uses the code (once) and issues the grant's first tokens, in one transaction.
        CodeReused when a racing exchange used it first (the grant is revoked)."""
        now = self._now()
        with self._uow() as uow:
            if not uow.oauth.use_code(code.code_hash, now):
                ended = uow.oauth.revoke_grant(code.grant_id, now, "code_reused")
                uow.commit()
                self._forget(ended)
                raise CodeReused()
            issued = self._add_tokens(uow.oauth, code.grant_id, code.scope, now)
            uow.commit()
        return issued

    def _add_tokens(
        self, repository: OAuthRepository, grant_id: str, scope: str, now: datetime
    ) -> IssuedTokens:
        access, refresh = _random(ACCESS_TOKEN_PREFIX), _random(REFRESH_TOKEN_PREFIX)
        repository.add_token(
            OAuthToken(
                id=new_id("tok"),
                grant_id=grant_id,
                access_hash=self._hash(access),
                refresh_hash=self._hash(refresh),
                scopes=scope,
                issued_at=now,
                access_expires_at=now + ACCESS_TOKEN_LIFETIME,
                refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
            )
        )
        return IssuedTokens(access, refresh, int(ACCESS_TOKEN_LIFETIME.total_seconds()), scope)

    # --- refresh ------------------------------------------------------------------------

    def refresh_for_exchange(self, refresh_token: str) -> RefreshForExchange | None:
        """The refresh token, if live. One rotated before (reuse) revokes its grant."""
        if not refresh_token or not refresh_token.startswith(REFRESH_TOKEN_PREFIX):
            return None
        if len(refresh_token) > 200:
            return None
        now = self._now()
        with self._uow() as uow:
            found = uow.oauth.find_by_refresh_hash(self._hash(refresh_token))
            if found is None:
                return None
            token, grant = found
            if token.rotated_at is not None and grant.revoked_at is None:
                ended = uow.oauth.revoke_grant(grant.id, now, "refresh_reused")
                uow.commit()
                self._forget(ended)
                return None
            if token.revoked_at is not None or grant.revoked_at is not None:
                return None
            if token.refresh_expires_at is not None and token.refresh_expires_at <= now:
                return None
            client = uow.oauth.get_client(grant.client_id)
            if client is None or client.revoked_at is not None:
                return None
            return RefreshForExchange(
                token.id, grant.id, grant.client_id, grant.user_id, token.scopes
            )

    def rotate(self, refresh: RefreshForExchange, scope: str) -> IssuedTokens:
        """Marks the refresh token used and issues the next pair (`scope` may narrow it).
        RefreshReused when it was rotated meanwhile (the grant is revoked)."""
        now = self._now()
        narrowed = [s for s in split_scopes(scope) if s in refresh.scope.split()]
        scope = " ".join(narrowed) or refresh.scope
        with self._uow() as uow:
            if not uow.oauth.rotate(refresh.token_id, now):
                ended = uow.oauth.revoke_grant(refresh.grant_id, now, "refresh_reused")
                uow.commit()
                self._forget(ended)
                raise RefreshReused()
            issued = self._add_tokens(uow.oauth, refresh.grant_id, scope, now)
            uow.commit()
        return issued

    # --- revocation (RFC 7009) ----------------------------------------------------------

    def find_revocable(self, token: str, hint: str | None) -> RevocableToken | None:
        if not token or len(token) > 200:
            return None
        kinds = ["access_token", "refresh_token"]
        if hint == "refresh_token":
            kinds.reverse()
        token_hash = self._hash(token)
        with self._uow() as uow:
            for kind in kinds:
                if kind == "access_token":
                    by_access = uow.oauth.find_by_access_hash(token_hash)
                    if by_access is not None:
                        row, grant = by_access[0], by_access[1]
                        return RevocableToken(row.id, grant.id, grant.client_id, kind, row.scopes)
                else:
                    by_refresh = uow.oauth.find_by_refresh_hash(token_hash)
                    if by_refresh is not None:
                        row, grant = by_refresh
                        return RevocableToken(row.id, grant.id, grant.client_id, kind, row.scopes)
        return None

    def revoke(self, token: RevocableToken) -> None:
        """An access token ends with its refresh token; a refresh token ends the grant."""
        now = self._now()
        with self._uow() as uow:
            if token.kind == "refresh_token":
                ended = uow.oauth.revoke_grant(token.grant_id, now, "client")
            else:
                uow.oauth.revoke_token(token.token_id, now)
                found = uow.oauth.get_token(token.token_id)
                ended = [found.access_hash] if found is not None else []
            uow.commit()
        self._forget(ended)

    # --- what a user authorized ---------------------------------------------------------

    def authorized_apps(self, account_id: str, user_id: str) -> list[AuthorizedApp]:
        with self._uow() as uow:
            return [
                AuthorizedApp(grant=g, client=c)
                for g, c in uow.oauth.live_grants_of_user(account_id, user_id)
            ]

    def revoke_grant_for_user(self, account_id: str, user_id: str, grant_id: str) -> AuthorizedApp:
        """LookupError for any grant that is not the user's own (nobody learns which exist)."""
        now = self._now()
        with self._uow() as uow:
            grant = uow.oauth.get_grant(grant_id)
            if grant is None or grant.account_id != account_id or grant.user_id != user_id:
                raise LookupError(f"no grant {grant_id}")
            client = uow.oauth.get_client(grant.client_id)
            if client is None:
                raise LookupError(f"no grant {grant_id}")
            ended = uow.oauth.revoke_grant(grant_id, now, "user")
            uow.commit()
        self._forget(ended)
        return AuthorizedApp(grant=grant, client=client)

    # --- /v1 ----------------------------------------------------------------------------

    @staticmethod
    def is_access_token(secret: str | None) -> bool:
        return secret is not None and secret.startswith(ACCESS_TOKEN_PREFIX)

    def cached(self, secret: str | None) -> tuple[str, Principal | None]:
        """The token's hash and the principal the auth cache holds for it, or None (then call
        `authenticate`); no I/O. InvalidKey for what cannot be an access token."""
        if secret is None or len(secret) != ACCESS_TOKEN_LENGTH or not self.is_access_token(secret):
            raise InvalidKey()
        access_hash = self._hash(secret)
        return access_hash, self._cache.get(access_hash, self._now(), count_miss=False)

    def authenticate(self, secret: str | None) -> Principal:
        """The principal an access token acts as; InvalidKey for anything else."""
        if secret is None or len(secret) != ACCESS_TOKEN_LENGTH or not self.is_access_token(secret):
            raise InvalidKey()
        now = self._now()
        access_hash = self._hash(secret)
        cached = self._cache.get(access_hash, now)
        if cached is not None:
            return cached
        with self._uow() as uow:
            found = uow.oauth.find_by_access_hash(access_hash)
        if found is None:
            raise InvalidKey()
        token, grant, client, user = found
        if (
            token.revoked_at is not None
            or grant.revoked_at is not None
            or client.revoked_at is not None
            or user.deactivated_at is not None
            or token.access_expires_at <= now
        ):
            raise InvalidKey()
        principal = Principal(
            account_id=grant.account_id,
            key_id=grant.id,
            scopes=frozenset(token.scopes.split()) & frozenset(user.scopes.split()),
            user_id=user.id,
        )
        self._cache.put(access_hash, principal, token.access_expires_at)
        return principal

    def forget_user(self, user_id: str) -> None:
        self._cache.forget_user(user_id)

    def _forget(self, access_hashes: list[str]) -> None:
        for access_hash in access_hashes:
            self._cache.forget(access_hash)
