"""Personal data sealed at rest with AES-GCM (confidentiality and integrity in one).

The key lives in a file only the kiosk user can read (offline-sync.md, guarantee 13);
offline_cache/keys.py creates, checks and backs it up.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SealingError(Exception):
    """A sealed blob failed its integrity check or the key is unusable."""


class PayloadSealer:
    """Seals bytes bound to a context (the idempotency key), so rows cannot be swapped."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SealingError("queue key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if len(sealed) < NONCE_BYTES + 16:
            raise SealingError("sealed payload is truncated")
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except InvalidTag as error:
            raise SealingError("sealed payload failed its integrity check") from error
