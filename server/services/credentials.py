"""The one entry point /v1 authenticates through (server/http/access.py): an API key
(`sk_live_…`) or an OAuth access token (`tat_…`, server/services/oauth.py), told apart by
prefix. Both answer a Principal or raise InvalidKey, so 401, the per-key (per-grant for a
token) rate limit, 403 and the error envelope are the same for either."""

from __future__ import annotations

from server.domain.principal import Principal
from server.services.api_keys import ApiKeyService
from server.services.oauth import OAuthService


class CredentialService:
    def __init__(self, api_keys: ApiKeyService, oauth: OAuthService) -> None:
        self.api_keys = api_keys
        self.oauth = oauth

    def authenticate(self, secret: str | None) -> Principal:
        if self.oauth.is_access_token(secret):
            return self.oauth.authenticate(secret)
        return self.api_keys.authenticate(secret)
