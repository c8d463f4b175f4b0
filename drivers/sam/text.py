"""The 256-byte text block of the ID-card family, read through a SAM reader (GA 490).

UCS-2 little-endian, space-padded fields at fixed offsets. The character at byte 248 tells
the three layouts apart: blank for the resident ID card (居民身份证), ``J`` for the
residence permit of Hong Kong, Macao and Taiwan residents (港澳台居民居住证), ``I`` for the
foreign permanent resident ID card (外国人永久居留身份证, 2017 layout). The address is
decoded only when asked for; nothing here logs, and error messages carry no field values.
"""

from __future__ import annotations

import datetime as dt
import re

from drivers import id_number as idn
from drivers.errors import BadCardData, UnsupportedCard
from drivers.identity import (
    FOREIGN_PERMANENT_RESIDENT,
    LONG_TERM,
    RESIDENCE_PERMIT_HKMT,
    RESIDENT_ID,
    Identity,
)

TEXT_SIZE = 256
TYPE_OFFSET = 248
LONG_TERM_TEXT = "长期"  # printed instead of an end date on cards with no expiry

# (offset, size in bytes) per field. Resident ID card and 港澳台 permit (GA 490).
NAME = (0, 30)  # 15 characters
SEX = (30, 2)
ETHNICITY = (32, 4)  # code, "01" 汉; blank on the 港澳台 permit
BIRTH_DATE = (36, 16)  # YYYYMMDD
ADDRESS = (52, 70)
ID_NUMBER = (122, 36)
AUTHORITY = (158, 30)
VALID_FROM = (188, 16)
VALID_TO = (204, 16)  # YYYYMMDD or 长期
PASS_NUMBER = (220, 18)  # 港澳台 permit: the 通行证 number, 9 characters
ISSUE_COUNT = (238, 4)  # 港澳台 permit: how many times issued, 2 digits
CARD_TYPE = (TYPE_OFFSET, 2)

# Foreign permanent resident ID card, 2017 layout.
FOREIGN_NAME_EN = (0, 120)
FOREIGN_SEX = (120, 2)
FOREIGN_PERMIT_NUMBER = (122, 30)  # 15 characters
FOREIGN_NATIONALITY = (152, 6)  # ISO 3166-1 alpha-3
FOREIGN_NAME = (158, 30)  # Chinese name, may be blank
FOREIGN_VALID_FROM = (188, 16)
FOREIGN_VALID_TO = (204, 16)
FOREIGN_BIRTH_DATE = (220, 16)
FOREIGN_VERSION = (236, 4)
FOREIGN_AUTHORITY_CODE = (240, 8)

TYPE_RESIDENT, TYPE_HKMT, TYPE_FOREIGN = " ", "J", "I"
HKMT_PREFIXES = ("810000", "820000", "830000")  # Hong Kong, Macao, Taiwan (GB/T 2260)
_PERMIT_NUMBER = re.compile(r"[A-Z]{3}[0-9]{12}")
_NATIONALITY = re.compile(r"[A-Z]{3}")


def field(block: bytes | bytearray, where: tuple[int, int]) -> str:
    """One field as text, padding stripped.

    UCS-2 holds only the BMP: a name character outside it is stored by the card as some
    stand-in (often a private-use code point) and is shown as the card holds it. A lone
    surrogate cannot be shown at all and becomes U+FFFD rather than failing the read.
    """
    offset, size = where
    return bytes(block[offset : offset + size]).decode("utf-16-le", "replace").strip(" \x00")


def card_type(block: bytes | bytearray) -> str:
    raw = field(block, CARD_TYPE)
    return raw or TYPE_RESIDENT


def parse_text_block(block: bytes | bytearray, keep_address: bool = False) -> Identity:
    """The `Identity` a text block describes; BadCardData / UnsupportedCard if it is wrong."""
    if len(block) != TEXT_SIZE:
        raise BadCardData(f"text block of {len(block)} bytes, expected {TEXT_SIZE}")
    kind = card_type(block)
    if kind == TYPE_FOREIGN:
        return _foreign(block)
    if kind in (TYPE_RESIDENT, TYPE_HKMT):
        return _resident_or_hkmt(block, kind, keep_address)
    # e.g. "Y": the 2023 foreign permanent resident card, whose layout we do not read yet.
    raise UnsupportedCard(f"card type {kind[:1]!r} at byte {TYPE_OFFSET} is not one we read")


def _resident_or_hkmt(block: bytes | bytearray, kind: str, keep_address: bool) -> Identity:
    number = field(block, ID_NUMBER).upper()
    # GB 11643: 18 characters, a real birth date and the MOD 11-2 check character; the
    # 港澳台 permit uses the same rule with 810000/820000/830000 as the address code.
    if not idn.is_valid(number):
        raise BadCardData("ID number fails its GB 11643 check character or birth date")
    if kind == TYPE_HKMT and not number.startswith(HKMT_PREFIXES):
        raise BadCardData("港澳台 permit with an ID number outside 810000/820000/830000")
    if kind == TYPE_RESIDENT and number.startswith(HKMT_PREFIXES):
        raise BadCardData("resident ID card with a 港澳台 permit number (type byte blank)")
    name = field(block, NAME)
    if not name:
        raise BadCardData("name is empty")
    sex = _sex(field(block, SEX))
    if sex != idn.sex(number):
        raise BadCardData("sex field disagrees with the ID number (GB 11643 sequence code)")
    birth = _date(field(block, BIRTH_DATE), "birth date")
    if birth != idn.birth_date(number):
        raise BadCardData("birth date field disagrees with the ID number")
    valid_until = _valid_to(field(block, VALID_TO))
    _date(field(block, VALID_FROM), "valid-from date")
    hkmt = kind == TYPE_HKMT
    card_number = ""
    if hkmt:
        card_number = field(block, PASS_NUMBER)
        if not card_number:
            raise BadCardData("港澳台 permit without its pass number")
    return Identity(
        name=name,
        id_number=number,
        sex=sex,
        birth_date=birth,
        card_number=card_number,
        card_expiry=valid_until if isinstance(valid_until, dt.date) else None,
        source="sam_reader",
        card_kind=RESIDENCE_PERMIT_HKMT if hkmt else RESIDENT_ID,
        valid_until=valid_until,
        address=field(block, ADDRESS) if keep_address else None,
    )


def _foreign(block: bytes | bytearray) -> Identity:
    permit = field(block, FOREIGN_PERMIT_NUMBER).upper()
    if not _PERMIT_NUMBER.fullmatch(permit):
        raise BadCardData("permit number is not 3 letters and 12 digits (2017 layout)")
    nationality = field(block, FOREIGN_NATIONALITY).upper()
    if not _NATIONALITY.fullmatch(nationality):
        raise BadCardData("nationality is not an ISO 3166 alpha-3 code")
    name_en = field(block, FOREIGN_NAME_EN)
    name = field(block, FOREIGN_NAME)
    if not name_en:
        raise BadCardData("English name is empty")
    birth = _date(field(block, FOREIGN_BIRTH_DATE), "birth date")
    valid_until = _valid_to(field(block, FOREIGN_VALID_TO))
    _date(field(block, FOREIGN_VALID_FROM), "valid-from date")
    return Identity(
        name=name or name_en,
        id_number=permit,
        sex=_sex(field(block, FOREIGN_SEX)),
        birth_date=birth,
        card_expiry=valid_until if isinstance(valid_until, dt.date) else None,
        source="sam_reader",
        card_kind=FOREIGN_PERMANENT_RESIDENT,
        valid_until=valid_until,
        name_en=name_en,
        nationality=nationality,
    )


def _sex(raw: str) -> str:
    if raw not in ("1", "2"):
        raise BadCardData("sex field is neither 1 nor 2")
    return raw


def _date(raw: str, what: str) -> dt.date:
    if len(raw) != 8 or not raw.isascii() or not raw.isdigit():
        raise BadCardData(f"{what} is not YYYYMMDD")
    try:
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError as error:
        raise BadCardData(f"{what} is not a real date") from error


def _valid_to(raw: str) -> dt.date | str:
    if raw == LONG_TERM_TEXT:
        return LONG_TERM
    return _date(raw, "valid-to date")
