"""What an emulated ID card holds, encoded as the SAM reader hands it out (GA 490).

The layouts are written here as ordered field sizes, independently of the parser's
offsets in drivers/sam/text.py, so a slip in either shows up in the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, fields

from drivers import id_number as idn
from drivers.identity import (
    FOREIGN_PERMANENT_RESIDENT,
    LONG_TERM,
    RESIDENCE_PERMIT_HKMT,
    RESIDENT_ID,
)

# `kiosk card insert --kind` words and the card kinds they stand for.
KIND_ALIASES = {
    "resident-id": RESIDENT_ID,
    "hkmt": RESIDENCE_PERMIT_HKMT,
    "foreign": FOREIGN_PERMANENT_RESIDENT,
    RESIDENT_ID: RESIDENT_ID,
    RESIDENCE_PERMIT_HKMT: RESIDENCE_PERMIT_HKMT,
    FOREIGN_PERMANENT_RESIDENT: FOREIGN_PERMANENT_RESIDENT,
}
TYPE_CHARACTER = {RESIDENT_ID: " ", RESIDENCE_PERMIT_HKMT: "J", FOREIGN_PERMANENT_RESIDENT: "I"}

# (field, bytes) in card order; both layouts are 256 bytes with the type at byte 248.
RESIDENT_LAYOUT = (
    ("name", 30),
    ("sex", 2),
    ("ethnicity", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("pass_number", 18),  # 港澳台 permit only; blank on the resident ID card
    ("issue_count", 4),  # 港澳台 permit only
    ("reserved", 6),
    ("type", 2),
    ("reserved", 6),
)
FOREIGN_LAYOUT = (  # 外国人永久居留身份证, 2017
    ("name_en", 120),
    ("sex", 2),
    ("id_number", 30),
    ("nationality", 6),
    ("name", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("birth_date", 16),
    ("version", 4),
    ("authority_code", 8),
    ("type", 2),
    ("reserved", 6),
)
PHOTO_SIZE = 1024
PHOTO_MARKER = b"EMULATED-WLT-PHOTO:"  # lets tests prove the photo went nowhere


@dataclass
class SamCard:
    """One emulated card. Empty sex / birth date are taken from the ID number."""

    kind: str
    name: str  # Chinese name (may be "" on a foreign card)
    id_number: str  # the permit number on a foreign card
    sex: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = "01"
    address: str = "广东省清远市连南瑶族自治县三江镇示范村一号"
    authority: str = "连南瑶族自治县公安局"
    valid_from: dt.date = dt.date(2020, 1, 1)
    valid_to: dt.date | str = dt.date(2040, 1, 1)  # or "长期" / LONG_TERM
    pass_number: str = ""  # 港澳台 permit: the 通行证 number
    issue_count: int = 1
    name_en: str = ""  # foreign card
    nationality: str = ""  # foreign card, ISO 3166 alpha-3
    extra_address: str = ""  # 追加住址, answered to 30 03
    type_character: str | None = None  # override, to emulate a card type we do not read

    def __post_init__(self) -> None:
        self.kind = KIND_ALIASES.get(self.kind, self.kind)
        if self.kind not in TYPE_CHARACTER:
            raise ValueError(f"unknown card kind {self.kind!r}; one of {', '.join(KIND_ALIASES)}")

    def text_block(self) -> bytes:
        """The 256-byte UCS-2LE text block; ValueError if a field cannot be held."""
        foreign = self.kind == FOREIGN_PERMANENT_RESIDENT
        values = self._values(foreign)
        block = b"".join(
            ucs2_field(values.get(name, ""), size, name)
            for name, size in (FOREIGN_LAYOUT if foreign else RESIDENT_LAYOUT)
        )
        assert len(block) == 256
        return block

    def photo(self) -> bytes:
        """A stand-in for the WLT photo: 1024 bytes, recognisable, not personal."""
        seed = hashlib.sha256(self.id_number.encode()).digest()
        return (PHOTO_MARKER + seed * 32)[:PHOTO_SIZE]

    def _values(self, foreign: bool) -> dict[str, str]:
        number = self.id_number
        derived = idn.is_valid(number)
        sex = self.sex or (idn.sex(number) if derived else "1")
        birth = self.birth_date or (idn.birth_date(number) if derived else dt.date(1975, 5, 20))
        valid_to = self.valid_to
        if valid_to == LONG_TERM:
            valid_to = "长期"
        values = {
            "name": self.name,
            "sex": sex,
            "birth_date": birth.strftime("%Y%m%d"),
            "id_number": number,
            "valid_from": self.valid_from.strftime("%Y%m%d"),
            "valid_to": valid_to if isinstance(valid_to, str) else valid_to.strftime("%Y%m%d"),
            "type": self.type_character or TYPE_CHARACTER[self.kind],
        }
        if foreign:
            values.update(
                name_en=self.name_en,
                nationality=self.nationality or "CAN",
                version="17",
                authority_code="1500",
            )
        else:
            values.update(address=self.address, authority=self.authority)
            if self.kind == RESIDENCE_PERMIT_HKMT:
                values.update(pass_number=self.pass_number, issue_count=f"{self.issue_count:02d}")
            else:
                values.update(ethnicity=self.ethnicity)
        return values

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("birth_date", "valid_from", "valid_to"):
            if isinstance(data[key], dt.date):
                data[key] = data[key].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> SamCard:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        for key in ("birth_date", "valid_from", "valid_to"):
            value = values.get(key)
            if isinstance(value, str) and value[:1].isdigit():
                values[key] = dt.date.fromisoformat(value)
        return cls(**values)


def sam_card(kind: str, name: str, id_number: str, **overrides: object) -> SamCard:
    """A plausible card of `kind` ("resident-id", "hkmt", "foreign" or a card kind).

    On a foreign card a `name` in plain ASCII is taken as the English name (and the
    Chinese name left blank, as on many such cards) unless `name_en` is given.
    """
    kind = KIND_ALIASES.get(kind, kind)
    values: dict[str, object] = {"kind": kind, "name": name, "id_number": id_number}
    if kind == RESIDENCE_PERMIT_HKMT:
        values.update(ethnicity="", pass_number=_pass_number_for(id_number))
    if kind == FOREIGN_PERMANENT_RESIDENT and "name_en" not in overrides and name.isascii():
        values.update(name="", name_en=name)
    values.update(overrides)
    return SamCard(**values)  # type: ignore[arg-type]


def _pass_number_for(id_number: str) -> str:
    """H/M + 8 digits for Hong Kong / Macao, 8 digits for Taiwan; stable per person."""
    digits = "".join(c for c in hashlib.sha256(id_number.encode()).hexdigest() if c.isdigit())
    digits = digits[:8].ljust(8, "0")
    return {"81": "H", "82": "M"}.get(id_number[:2], "") + digits


def ucs2_field(text: str, size: int, name: str) -> bytes:
    """`text` as a space-padded UCS-2LE field of `size` bytes; ValueError if it cannot be."""
    if any(ord(char) > 0xFFFF for char in text):
        raise ValueError(f"{name}: UCS-2 holds only the BMP; the card cannot hold that character")
    raw = text.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{name}: longer than {size // 2} characters")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
