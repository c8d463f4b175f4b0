"""Which kiosks may talk to the backend: one bearer token and one tracking-number space
(the 4-digit kiosk number every tracking number starts with) per kiosk.

Kiosks come from the command line (`--kiosk ID:NUMBER:TOKEN`) or enrol themselves with a
one-time code (mock_backend/enrolment.py); tokens are looked up by their SHA-256, so an
enrolled kiosk's token is never stored, only its digest.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

KIOSK_ID_PATTERN = r"[A-Za-z0-9._-]{1,64}"
# RFC 6750 b64token: anything else cannot travel in an `Authorization: Bearer` header.
TOKEN_PATTERN = r"[A-Za-z0-9._~+/-]+=*"
MIN_TOKEN_LENGTH = 16
MAX_TOKEN_LENGTH = 512


class InvalidKioskSpec(ValueError, argparse.ArgumentTypeError):
    """A bad kiosk registration. Also an ArgumentTypeError so that argparse, given
    `type=parse_kiosk_spec`, prints this message instead of a generic "invalid value"."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KioskRegistration:
    kiosk_id: str
    kiosk_number: str
    # A secret: kept out of reprs, logs and tracebacks. None for a kiosk that enrolled
    # itself: the backend keeps only its token's digest.
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kiosk_id, str) or not re.fullmatch(KIOSK_ID_PATTERN, self.kiosk_id):
            raise InvalidKioskSpec(
                f"kiosk id {self.kiosk_id!r} must be 1-64 characters of A-Z a-z 0-9 . _ -"
            )
        number = self.kiosk_number
        if not isinstance(number, str) or not re.fullmatch(r"[0-9]{4}", number):
            raise InvalidKioskSpec(f"kiosk number {number!r} must be exactly 4 digits")
        if number == "0000":
            raise InvalidKioskSpec("kiosk number 0000 is reserved; use 0001-9999")
        token = self.token
        if token is None:
            return
        if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH:
            length = len(token) if isinstance(token, str) else 0
            raise InvalidKioskSpec(
                f"token of kiosk {self.kiosk_id} must be at least {MIN_TOKEN_LENGTH} characters"
                f" (got {length})"
            )
        if len(token) > MAX_TOKEN_LENGTH or not re.fullmatch(TOKEN_PATTERN, token):
            raise InvalidKioskSpec(
                f"token of kiosk {self.kiosk_id} must be at most {MAX_TOKEN_LENGTH} characters"
                " of A-Z a-z 0-9 - . _ ~ + / (then optional '='), as a bearer token"
            )


# The pairing the kiosk's embedded defaults use (config kiosk_id/kiosk_number/backend_token).
DEMO_KIOSK = KioskRegistration("kiosk-0001", "0001", "dev-token-kiosk-0001")


def parse_kiosk_spec(text: str) -> KioskRegistration:
    """`ID:NUMBER:TOKEN` (e.g. `kiosk-0002:0002:s3cret-token-0002-xyz`) -> a registration.
    Raises InvalidKioskSpec (a ValueError) naming what is wrong; the token is never echoed."""
    parts = text.split(":", 2)
    if len(parts) != 3:
        raise InvalidKioskSpec("a kiosk is given as ID:NUMBER:TOKEN, e.g. kiosk-0002:0002:<token>")
    kiosk_id, kiosk_number, token = parts
    return KioskRegistration(kiosk_id, kiosk_number, token)


class KioskRegistry:
    """The registered kiosks, looked up by bearer token. Kiosks given at start need their
    token; `add` takes an enrolled kiosk by its token's digest, at start or while serving."""

    def __init__(
        self,
        kiosks: Iterable[KioskRegistration],
        enrolled: Iterable[tuple[KioskRegistration, str]] = (),
    ) -> None:
        self._by_digest: dict[str, KioskRegistration] = {}
        self._by_id: dict[str, KioskRegistration] = {}
        self._by_number: dict[str, KioskRegistration] = {}
        self._lock = threading.Lock()
        for kiosk in kiosks:
            if not isinstance(kiosk, KioskRegistration):
                raise TypeError(f"expected a KioskRegistration, got {type(kiosk).__name__}")
            if kiosk.token is None:
                raise ValueError(f"kiosk {kiosk.kiosk_id} is given without a token")
            self.add(kiosk, token_digest(kiosk.token))
        for kiosk, digest in enrolled:
            self.add(kiosk, digest)
        if not self._by_digest:
            raise ValueError("at least one kiosk must be registered")

    def add(self, kiosk: KioskRegistration, digest: str) -> None:
        """Register `kiosk`, whose token has the SHA-256 `digest`. ValueError when its id,
        number or token is another kiosk's."""
        with self._lock:
            if kiosk.kiosk_id in self._by_id:
                raise ValueError(f"kiosk id {kiosk.kiosk_id} is registered twice")
            if kiosk.kiosk_number in self._by_number:
                other = self._by_number[kiosk.kiosk_number].kiosk_id
                raise ValueError(
                    f"kiosk number {kiosk.kiosk_number} is given to both {other} and"
                    f" {kiosk.kiosk_id}: their tracking numbers would collide"
                )
            if digest in self._by_digest:
                other = self._by_digest[digest].kiosk_id
                raise ValueError(f"kiosks {other} and {kiosk.kiosk_id} share a token")
            self._by_id[kiosk.kiosk_id] = self._by_number[kiosk.kiosk_number] = kiosk
            self._by_digest[digest] = kiosk

    def __iter__(self) -> Iterator[KioskRegistration]:
        with self._lock:
            return iter(list(self._by_digest.values()))

    def __len__(self) -> int:
        return len(self._by_digest)

    def taken(self) -> tuple[set[str], set[str]]:
        """(kiosk ids, kiosk numbers) registered now."""
        with self._lock:
            return set(self._by_id), set(self._by_number)

    def authenticate(self, authorization: str | None) -> KioskRegistration | None:
        """The kiosk an `Authorization` header value names, or None."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._by_digest.get(token_digest(token.strip()))
