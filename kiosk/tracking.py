"""Tracking numbers: `kiosk(4) epoch(3) sequence(7) Luhn(1)`, made, checked and shown.

The one place that knows their shape (ARCHITECTURE.md, Storage). The mock backend keeps
its own copy of the Luhn digit in mock_backend/tracking.py on purpose: it is a separate
service and imports nothing of the kiosk; tests check the two agree.
"""

from __future__ import annotations

from collections.abc import Callable


def luhn_digit(digits: str) -> str:
    """Check digit so a mistyped tracking number is caught at the keypad."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(digits: str) -> bool:
    """The last digit is the Luhn check of the others (ASCII digits only: `str.isdigit`
    alone lets through characters such as "²" that `int` refuses)."""
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    return luhn_digit(digits[:-1]) == digits[-1]


def tracking_number_maker(kiosk_number: str) -> Callable[[int, int], str]:
    """kiosk(4) + store epoch(3) + sequence(7) + check(1), 15 digits.

    Unique across kiosks (each enrolled kiosk has its own number, and the backend refuses a
    number outside the submitting kiosk's space), across store resets (every store this
    kiosk creates gets a new epoch) and across clock changes (no date in it). The older
    form, kiosk + yymmdd + sequence(4) + check, has 2yy where the epoch stands, so the two
    never meet.
    """

    def make(epoch: int, sequence: int) -> str:
        body = f"{kiosk_number}{epoch:03d}{sequence:07d}"
        return body + luhn_digit(body)

    return make


def group_digits(value: str, separator: str = " ") -> str:
    """Groups of four digits: easier to read aloud, to copy on a phone, to type back.
    The voice takes "," so that the synthesiser pauses between groups."""
    return separator.join(value[i : i + 4] for i in range(0, len(value), 4))
