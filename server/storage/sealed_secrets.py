"""Secrets at rest (destination stream keys): AES-256-GCM under a keyring of named keys.

A sealed value is `<key id>:<base64 of nonce + ciphertext + tag>`. The first key of the ring
seals; every key of the ring opens, so keys rotate without downtime: put the new key first,
restart, run `trax maintenance reseal-secrets` (re-seals every value under the first key), then
drop the old key. Each value is bound to what it belongs to (the associated data names the row
and the field), so a sealed value copied onto another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
# The key id of the ring derived from TRAX_KEY_HASH_SECRET when TRAX_SECRET_KEYS is not set.
DERIVED_KEY_ID = "derived"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyringError(ValueError):
    """TRAX_SECRET_KEYS is malformed, or a sealed value cannot be opened with any key."""


class SecretKeyring:
    def __init__(self, keys: list[tuple[str, bytes]]):
        if not keys:
            raise KeyringError("the secret keyring needs at least one key")
        seen: set[str] = set()
        for key_id, key in keys:
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"secret key id {key_id!r}: use 1-32 of A-Z a-z 0-9 _ -")
            if key_id in seen:
                raise KeyringError(f"secret key id {key_id!r} appears twice")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"secret key {key_id!r} must be {KEY_BYTES} bytes")
            seen.add(key_id)
        self.primary_id = keys[0][0]
        self._aeads = {key_id: AESGCM(key) for key_id, key in keys}

    @classmethod
    def from_setting(cls, value: str | None, key_hash_secret: str) -> SecretKeyring:
        """`TRAX_SECRET_KEYS`: comma-separated `id=<base64 of 32 bytes>`, the sealing key first.
        Unset: one key derived from TRAX_KEY_HASH_SECRET (the embedded default)."""
        if not value or not value.strip():
            return cls([(DERIVED_KEY_ID, derived_key(key_hash_secret))])
        keys = []
        for entry in value.split(","):
            key_id, separator, encoded = entry.strip().partition("=")
            if not separator:
                raise KeyringError("TRAX_SECRET_KEYS entries look like id=<base64 key>")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"secret key {key_id!r} is not valid base64") from exc
            keys.append((key_id.strip(), key))
        return cls(keys)

    def seal(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[self.primary_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.primary_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, *, context: str) -> str:
        key_id, _, encoded = sealed.partition(":")
        aead = self._aeads.get(key_id)
        if aead is None:
            raise KeyringError(f"no key {key_id!r} in the secret keyring (TRAX_SECRET_KEYS)")
        raw = base64.b64decode(encoded)
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag as exc:
            raise KeyringError("a sealed secret does not open: wrong key or wrong row") from exc

    def is_sealed_by_primary(self, sealed: str) -> bool:
        return sealed.partition(":")[0] == self.primary_id


def derived_key(key_hash_secret: str) -> bytes:
    return hmac.new(key_hash_secret.encode(), b"trax secrets at rest", hashlib.sha256).digest()


def new_secret_key() -> str:
    """A fresh key for TRAX_SECRET_KEYS (`trax maintenance new-secret-key`)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def stream_key_context(destination_id: str) -> str:
    return f"destinations/{destination_id}/stream_key"
