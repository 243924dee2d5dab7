"""A new key's secret travels from the create POST to the page that shows it once inside the
session cookie, encrypted (Fernet: AES-CBC + HMAC) under a key derived from the server secret,
and is removed as that page is rendered. The browser never stores it in clear, the server never
stores it at all, and a reload of the page finds nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken

SESSION_FIELD = "new_key"
# The page must be reached right after the create POST redirects to it.
TTL_SECONDS = 300


class OneTimeSecretBox:
    def __init__(self, server_secret: str) -> None:
        derived = hmac.new(server_secret.encode(), b"trax-web-one-time-secret", hashlib.sha256)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived.digest()))

    def seal(self, key_id: str, secret: str) -> str:
        return self._fernet.encrypt(json.dumps({"k": key_id, "s": secret}).encode()).decode()

    def open(self, sealed: str | None) -> tuple[str, str] | None:
        if not sealed:
            return None
        try:
            data = json.loads(self._fernet.decrypt(sealed.encode(), ttl=TTL_SECONDS))
        except (InvalidToken, ValueError):
            return None
        return data["k"], data["s"]
