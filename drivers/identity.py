"""`Identity`: who the card says the villager is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# What `card_kind` can be. The ID-card family is read through a SAM reader (drivers/sam).
SOCIAL_SECURITY = "social_security"
RESIDENT_ID = "resident_id"  # 居民身份证
RESIDENCE_PERMIT_HKMT = "residence_permit_hkmt"  # 港澳台居民居住证
FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"  # 外国人永久居留身份证
CARD_KINDS = (SOCIAL_SECURITY, RESIDENT_ID, RESIDENCE_PERMIT_HKMT, FOREIGN_PERMANENT_RESIDENT)

LONG_TERM = "long_term"  # `valid_until` of a card printed 长期 (no end date)


@dataclass(slots=True)
class Identity:
    """A cardholder as read from a card.

    Holds personal data: never log it, never put it in usage events. `repr` is masked so
    that an accidental log line or traceback does not leak it.

    `name` is the Chinese name; a foreign permanent resident card may carry none, and then
    `name` is the English name (`name_en` always holds it on that card). On that card
    `id_number` is the 15-character permit number, which has no GB 11643 check character.
    `address` is filled only when the reader was asked for it (a service that needs it);
    it never goes to logs, events or the usage log.
    """

    name: str
    id_number: str
    sex: str  # "1" male, "2" female (GB/T 2261.1)
    birth_date: dt.date
    card_number: str = ""  # 社保卡 card number; the 通行证 number on a 港澳台 permit
    card_expiry: dt.date | None = None  # the card's last valid day, when it has one
    source: str = "social_security_card"  # which driver read it: or "sam_reader"
    card_kind: str = SOCIAL_SECURITY
    valid_until: dt.date | str | None = None  # a date, LONG_TERM, or None (not on the card)
    name_en: str = ""
    nationality: str = ""  # ISO 3166 alpha-3, foreign permanent resident card only
    address: str | None = None

    def valid_on(self, day: dt.date) -> bool:
        """False only when the card says it ended before `day`."""
        if isinstance(self.valid_until, dt.date):
            return day <= self.valid_until
        return True

    def masked_id(self) -> str:
        """ID number with all but the first 4 and last 4 characters hidden."""
        return mask_id_number(self.id_number)

    def masked_name(self) -> str:
        """Family name kept, the rest hidden: 王*, 欧阳**."""
        return mask_name(self.name)

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on `day`."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self) -> str:
        # Masked, and never the address: a traceback or log line must not leak either.
        return (
            f"Identity(name={self.masked_name()!r}, id_number={self.masked_id()!r}, "
            f"card_kind={self.card_kind!r})"
        )


def mask_id_number(id_number: str) -> str:
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """138****5678: enough for the villager to recognise it, not enough to reuse it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
