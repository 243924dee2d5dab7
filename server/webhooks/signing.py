"""Signing secrets: `whsec_` + base64 of 32 random bytes, shown once, stored encrypted.

At rest a secret is AES-256-GCM ciphertext under a key derived from TRAX_KEY_HASH_SECRET, so a
database dump alone signs nothing. Signatures are made by the `standardwebhooks` package."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
_AAD = b"trax-webhook-secret-v1"


def new_signing_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def derived_from(cls, key_hash_secret: str) -> SecretBox:
        key = hmac.new(key_hash_secret.encode(), b"trax webhook secrets", hashlib.sha256).digest()
        return cls(key)

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), _AAD)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, ciphertext: str) -> str:
        raw = base64.b64decode(ciphertext)
        return self._aead.decrypt(raw[:12], raw[12:], _AAD).decode()


def signature_header(secrets: list[str], msg_id: str, at: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret, space-separated (Standard Webhooks)."""
    return " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)
