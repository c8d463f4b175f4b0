"""Enrolment: a new kiosk trades a one-time code for its id, its 4-digit number and its
bearer token, once (`kiosk enrol --backend URL --code CODE` on the kiosk).

The operator starts the backend with codes: `kiosk backend --enrol-code CODE` (repeatable)
or `--enrol-codes FILE` (one code a line, optionally followed by the time it expires, ISO
8601 with a zone; `#` starts a comment). A code works once and expires `valid_s` after the
backend first saw it, or at the time its line names. Codes and tokens are kept as SHA-256
only, in the backend's store, so a restart renews no code and forgets no kiosk.

Numbers are handed out lowest first, never one a registered kiosk holds, another kiosk
enrolled with, or a stored tracking number starts with: tracking numbers begin with the
kiosk number, so two kiosks sharing one would collide.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mock_backend.registry import KioskRegistration, KioskRegistry, token_digest
from mock_backend.store import BackendStore

CODE_PATTERN = r"[A-Za-z0-9-]{8,64}"
DEFAULT_VALID_S = 72 * 3600.0  # a maintainer has three days to reach the village


class EnrolmentCodeError(ValueError, argparse.ArgumentTypeError):
    """A code or codes file the backend cannot take (the message names the line). An
    ArgumentTypeError too, so that argparse prints the message as it is."""


class NoNumberFree(Exception):
    """Every kiosk number 0001-9999 is taken."""


@dataclass(frozen=True)
class EnrolmentCode:
    code: str = field(repr=False)  # a secret until used
    expires_at: dt.datetime | None = None  # None: `valid_s` after the backend first saw it


def parse_code(text: str) -> EnrolmentCode:
    if not re.fullmatch(CODE_PATTERN, text):
        raise EnrolmentCodeError("an enrolment code is 8 to 64 letters, digits or '-'")
    return EnrolmentCode(text)


def read_codes_file(path: Path) -> list[EnrolmentCode]:
    """`CODE [EXPIRES]` a line. Raises EnrolmentCodeError naming the line, OSError."""
    codes = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2:
            raise EnrolmentCodeError(f"{path}:{number}: expected CODE [EXPIRES]")
        try:
            code = parse_code(words[0])
        except EnrolmentCodeError as error:
            raise EnrolmentCodeError(f"{path}:{number}: {error}") from None
        if len(words) == 2:
            try:
                expires = dt.datetime.fromisoformat(words[1])
            except ValueError:
                expires = None
            if expires is None or expires.tzinfo is None:
                raise EnrolmentCodeError(
                    f"{path}:{number}: the expiry must be ISO 8601 with a zone, e.g. "
                    "2025-03-01T18:00+08:00"
                )
            code = EnrolmentCode(code.code, expires)
        codes.append(code)
    return codes


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Enrolled:
    kiosk_id: str
    kiosk_number: str
    token: str = field(repr=False)


class EnrolmentRefused(Exception):
    """`reason` is unknown, used, expired or no_number."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EnrolmentBook:
    """The codes on offer and the kiosks that used them; adds each new kiosk to the
    registry, so its token works at once."""

    def __init__(
        self,
        store: BackendStore,
        registry: KioskRegistry,
        codes: Iterable[EnrolmentCode] = (),
        valid_s: float = DEFAULT_VALID_S,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.store, self.registry, self._clock = store, registry, clock
        now = clock()
        store.offer_enrolment_codes(
            [
                (token_digest(c.code), _stamp(c.expires_at or now + dt.timedelta(seconds=valid_s)))
                for c in codes
            ]
        )

    @staticmethod
    def enrolled_kiosks(store: BackendStore) -> list[tuple[KioskRegistration, str]]:
        """Those that enrolled before: for the registry at start."""
        return [
            (KioskRegistration(kiosk_id, number), digest)
            for kiosk_id, number, digest in store.enrolled_kiosks()
        ]

    def enrol(self, code: str) -> Enrolled:
        """A new kiosk for `code`; EnrolmentRefused otherwise."""
        token = secrets.token_urlsafe(32)  # 43 characters of A-Z a-z 0-9 - _
        digest = token_digest(token)
        try:
            outcome, kiosk_id, number = self.store.redeem_enrolment_code(
                token_digest(code), _stamp(self._clock()), digest, self._pick
            )
        except NoNumberFree:
            raise EnrolmentRefused("no_number") from None
        if outcome != "enrolled":
            raise EnrolmentRefused(outcome)
        self.registry.add(KioskRegistration(kiosk_id, number), digest)
        return Enrolled(kiosk_id, number, token)

    def _pick(self, used_numbers: set[str]) -> tuple[str, str]:
        ids, numbers = self.registry.taken()
        taken = used_numbers | numbers
        number = next((f"{n:04d}" for n in range(1, 10_000) if f"{n:04d}" not in taken), None)
        if number is None:
            raise NoNumberFree
        kiosk_id, suffix = f"kiosk-{number}", 1
        while kiosk_id in ids:  # a kiosk registered by hand under that name
            suffix += 1
            kiosk_id = f"kiosk-{number}-{suffix}"
        return kiosk_id, number
