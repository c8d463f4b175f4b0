"""An emulated social security card: answers the APDUs of LD/T 32-2015 as a card does."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from drivers import id_number as idn
from drivers.ssc_profile import (
    EF05,
    EF06,
    LEN_NAME,
    SSSE_NAME,
    TAG_BIRTH_DATE,
    TAG_CARD_NUMBER,
    TAG_EXPIRY,
    TAG_ID_NUMBER,
    TAG_NAME,
    TAG_SEX,
    encode_bcd,
)

# A plausible ATR for a T=1 contact card; the kiosk identifies cards by SELECT, not ATR.
DEFAULT_ATR = bytes.fromhex("3B6C00000000000000000000000000")

SW_OK = b"\x90\x00"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_RECORD_NOT_FOUND = b"\x6a\x83"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_WRONG_P1P2 = b"\x6b\x00"


@dataclass
class SocialSecurityCardData:
    """What the emulated card holds, already encoded as the card stores it."""

    name: str
    id_number: str
    card_number: str = ""
    issue_date: dt.date = dt.date(2019, 6, 1)
    expiry_date: dt.date = dt.date(2029, 6, 1)
    extra_records: dict[bytes, dict[int, bytes]] = field(default_factory=dict)

    def records(self) -> dict[bytes, dict[int, bytes]]:
        name_bytes = self.name.encode("gb18030")[:LEN_NAME].ljust(LEN_NAME, b"\x00")
        card_number = self.card_number or _card_number_for(self.id_number)
        files = {
            EF05: {
                0x03: b"3.00",
                0x05: encode_bcd(self.issue_date.strftime("%Y%m%d"), 4),
                TAG_EXPIRY: encode_bcd(self.expiry_date.strftime("%Y%m%d"), 4),
                TAG_CARD_NUMBER: card_number.encode("ascii"),
            },
            EF06: {
                TAG_ID_NUMBER: self.id_number.encode("ascii"),
                TAG_NAME: name_bytes,
                TAG_SEX: idn.sex(self.id_number).encode("ascii"),
                0x0B: encode_bcd("01", 1),
                TAG_BIRTH_DATE: encode_bcd(self.id_number[6:14], 4),
            },
        }
        for fid, records in self.extra_records.items():
            files.setdefault(fid, {}).update(records)
        return files


def _card_number_for(id_number: str) -> str:
    """A stable 9-character card number so the same person gets the same card."""
    digest = hashlib.sha256(id_number.encode()).hexdigest().upper()
    return "A" + "".join(c for c in digest if c.isdigit())[:8].ljust(8, "0")


class EmulatedSocialSecurityCard:
    """The card's state machine: selection, then reads by tag."""

    def __init__(self, data: SocialSecurityCardData, atr: bytes = DEFAULT_ATR) -> None:
        self._files = data.records()
        self.atr = atr
        self._ssse_selected = False
        self._current: bytes | None = None

    def reset(self) -> None:
        """Power off / on / reset: selection state is lost, as on a real card."""
        self._ssse_selected = False
        self._current = None

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            if body == SSSE_NAME:
                self._ssse_selected, self._current = True, None
                return SW_OK
            return SW_FILE_NOT_FOUND
        if ins == 0xA4 and p1 == 0x02:
            if body in self._files:
                self._current = body
                return SW_OK
            return SW_FILE_NOT_FOUND
        if ins == 0xB2:
            return self._read_by_tag(p1, apdu[4] if len(apdu) == 5 else 0)
        if ins == 0x20:
            return SW_OK
        return SW_INS_NOT_SUPPORTED

    def _read_by_tag(self, tag: int, le: int) -> bytes:
        if self._current is None:
            return SW_RECORD_NOT_FOUND
        value = self._files[self._current].get(tag)
        if value is None:
            return SW_RECORD_NOT_FOUND
        tlv = bytes([tag, len(value)]) + value
        if le not in (0, len(tlv)):
            return bytes([0x6C, len(tlv)])  # wrong Le: tell the right one (ISO 7816-4)
        return tlv + SW_OK
