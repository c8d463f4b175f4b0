"""Which kiosks may talk to the backend: one bearer token and one tracking-number space
(the 4-digit kiosk number every tracking number starts with) per kiosk."""

from __future__ import annotations

import argparse
import re
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


@dataclass(frozen=True)
class KioskRegistration:
    kiosk_id: str
    kiosk_number: str
    token: str = field(repr=False)  # a secret: kept out of reprs, logs and tracebacks

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
    """The registered kiosks, looked up by bearer token."""

    def __init__(self, kiosks: Iterable[KioskRegistration]) -> None:
        self._by_token: dict[str, KioskRegistration] = {}
        by_id: dict[str, KioskRegistration] = {}
        by_number: dict[str, KioskRegistration] = {}
        for kiosk in kiosks:
            if not isinstance(kiosk, KioskRegistration):
                raise TypeError(f"expected a KioskRegistration, got {type(kiosk).__name__}")
            if kiosk.kiosk_id in by_id:
                raise ValueError(f"kiosk id {kiosk.kiosk_id} is registered twice")
            if kiosk.kiosk_number in by_number:
                other = by_number[kiosk.kiosk_number].kiosk_id
                raise ValueError(
                    f"kiosk number {kiosk.kiosk_number} is given to both {other} and"
                    f" {kiosk.kiosk_id}: their tracking numbers would collide"
                )
            if kiosk.token in self._by_token:
                other = self._by_token[kiosk.token].kiosk_id
                raise ValueError(f"kiosks {other} and {kiosk.kiosk_id} share a token")
            by_id[kiosk.kiosk_id] = by_number[kiosk.kiosk_number] = kiosk
            self._by_token[kiosk.token] = kiosk
        if not self._by_token:
            raise ValueError("at least one kiosk must be registered")

    def __iter__(self) -> Iterator[KioskRegistration]:
        return iter(self._by_token.values())

    def __len__(self) -> int:
        return len(self._by_token)

    def authenticate(self, authorization: str | None) -> KioskRegistration | None:
        """The kiosk an `Authorization` header value names, or None."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._by_token.get(token.strip())
