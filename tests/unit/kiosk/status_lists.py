"""Status lists for tests, made by the backend's own code (mock_backend/status_list.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

from mock_backend.status_list import (
    STATUS_BYTES,
    Ed25519PrivateKey,
    build_list,
    digest,
    key_id,
    sorted_entries,
)

KEY = hashlib.sha256(b"test look-up key").digest()
SIGNING_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test signing key").digest())


def make_list(
    statuses: dict[str, str],
    *,
    sequence: int = 1,
    issued_at: dt.datetime | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=2),
    signing_key: Ed25519PrivateKey = SIGNING_KEY,
) -> bytes:
    """A signed list of {id_number: pass | manual | deny}."""
    issued_at = issued_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    entries = {digest(KEY, number)[:16]: STATUS_BYTES[s] for number, s in statuses.items()}
    return build_list(
        sorted_entries(entries),
        sequence=sequence,
        issued_at=issued_at,
        valid_until=issued_at + valid_for,
        lookup_key_id=key_id(KEY),
        signing_key=signing_key,
    )
