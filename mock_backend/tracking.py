"""Tracking numbers as the backend checks them (no import of the kiosk: it is a client).

Two 15-digit layouts, both ending in a Luhn check digit over the first 14:
- current: kiosk number(4) + store epoch(3, 001-199) + sequence(7) + check(1)
- legacy:  kiosk number(4) + yymmdd(6) + daily sequence(4) + check(1)
For years 2020-2099 a legacy number's digits 5-7 (yym) are >= 200, so they never look
like an epoch.
"""

from __future__ import annotations

import re

TRACKING_NUMBER_LENGTH = 15
TRACKING_NUMBER_PATTERN = r"^[0-9]{15}$"
MIN_EPOCH, MAX_EPOCH = 1, 199


def luhn_digit(body: str) -> str:
    """Check digit for `body`; doubling starts at its rightmost digit (kiosk/submission.py)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_tracking_number(number: str) -> bool:
    """15 ASCII digits whose last one is the Luhn check digit of the first 14."""
    if not re.fullmatch(r"[0-9]{15}", number):
        return False
    return luhn_digit(number[:-1]) == number[-1]


def kiosk_number_of(number: str) -> str:
    return number[:4]


def epoch_of(number: str) -> int | None:
    """The store epoch of a current-layout number; None for a legacy (date-based) one."""
    epoch = int(number[4:7])
    return epoch if MIN_EPOCH <= epoch <= MAX_EPOCH else None


def make_tracking_number(kiosk_number: str, epoch: int, sequence: int) -> str:
    """A current-layout number (for tests and tools; the kiosk makes its own)."""
    body = f"{kiosk_number}{epoch:03d}{sequence:07d}"
    return body + luhn_digit(body)
