"""Resident ID numbers (GB 11643-1999): check digit and birth date."""

from __future__ import annotations

import datetime as dt

# ISO 7064 MOD 11-2 weights: 2**(17 - i) mod 11 for positions 0..16.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"


def check_character(first17: str) -> str:
    """Return the check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """True when the 18-character number has digits, a real birth date and its check digit."""
    # isascii: str.isdigit() also accepts "²" or "٣", which int() then refuses.
    if len(id_number) != 18 or not id_number.isascii() or not id_number[:17].isdigit():
        return False
    if id_number[17].upper() != check_character(id_number[:17]):
        return False
    try:
        birth_date(id_number)
    except ValueError:
        return False
    return True


def birth_date(id_number: str) -> dt.date:
    """The birth date encoded in positions 7-14 (YYYYMMDD)."""
    return dt.datetime.strptime(id_number[6:14], "%Y%m%d").date()


def sex(id_number: str) -> str:
    """'1' male or '2' female, from the parity of the 17th digit (as on the card)."""
    return "1" if int(id_number[16]) % 2 else "2"


def with_check_character(first17: str) -> str:
    """Complete 17 digits into a valid 18-character number (for simulated cards)."""
    return first17 + check_character(first17)
