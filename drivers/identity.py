"""`Identity`: who the card says the villager is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True)
class Identity:
    """A cardholder as read from a card.

    Holds personal data: never log it, never put it in usage events. `repr` is masked so
    that an accidental log line or traceback does not leak it.
    """

    name: str
    id_number: str
    sex: str  # "1" male, "2" female (GB/T 2261.1)
    birth_date: dt.date
    card_number: str = ""
    card_expiry: dt.date | None = None
    source: str = "social_security_card"

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
        return f"Identity(name={self.masked_name()!r}, id_number={self.masked_id()!r})"


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
