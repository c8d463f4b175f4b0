"""Social security card (社会保障卡, LD/T 32-2015) read without the PSAM.

Reads EF06 (ID number, name, sex, birth date) and EF05 (card number, expiry) by tag,
as shared/docs/cards.md describes. Raises only `CardError` subclasses.
"""

from __future__ import annotations

import datetime as dt

from drivers import id_number as idn
from drivers.channel import SW_OK, CardChannel
from drivers.errors import BadCardData, CardError, UnsupportedCard
from drivers.identity import Identity

SSSE_NAME = "sx1.sh.社会保障".encode("gbk")
SELECT_SSSE = bytes([0x00, 0xA4, 0x04, 0x00, len(SSSE_NAME)]) + SSSE_NAME
VERIFY_DEFAULT_PIN = bytes.fromhex("0020000003888888")

EF05 = b"\xef\x05"
EF06 = b"\xef\x06"

# tag: value length (the card answers tag, len, value)
TAG_CARD_NUMBER, LEN_CARD_NUMBER = 0x07, 9
TAG_EXPIRY, LEN_EXPIRY = 0x06, 4
TAG_ID_NUMBER, LEN_ID_NUMBER = 0x08, 18
TAG_NAME, LEN_NAME = 0x09, 30
TAG_SEX, LEN_SEX = 0x0A, 1
TAG_BIRTH_DATE, LEN_BIRTH_DATE = 0x0D, 4

SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_SECURITY_NOT_SATISFIED = 0x6982


def select_file_apdu(fid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + fid


def read_by_tag_apdu(tag: int, value_length: int) -> bytes:
    return bytes([0x00, 0xB2, tag, 0x00, value_length + 2])


class SocialSecurityCardProfile:
    """Reads an `Identity` from a social security card through a `CardChannel`."""

    name = "social_security_card"

    def read_identity(self, channel: CardChannel) -> Identity:
        ssse_selected = self._select_ssse(channel)
        self._select(channel, EF06, ssse_selected)
        pin_verified = False
        fields: dict[int, bytes | None] = {}
        for tag, length in (
            (TAG_ID_NUMBER, LEN_ID_NUMBER),
            (TAG_NAME, LEN_NAME),
            (TAG_SEX, LEN_SEX),
            (TAG_BIRTH_DATE, LEN_BIRTH_DATE),
        ):
            fields[tag], pin_verified = self._read_tag(channel, tag, length, pin_verified)
        self._select(channel, EF05, ssse_selected)
        for tag, length in ((TAG_CARD_NUMBER, LEN_CARD_NUMBER), (TAG_EXPIRY, LEN_EXPIRY)):
            fields[tag], pin_verified = self._read_tag(channel, tag, length, pin_verified)
        return build_identity(fields)

    @staticmethod
    def _select_ssse(channel: CardChannel) -> bool:
        _, sw = channel.send(SELECT_SSSE)
        if sw == SW_OK:
            return True
        if sw == SW_FILE_NOT_FOUND:
            return False  # some issuers expose the EFs without the application name
        raise UnsupportedCard(f"SELECT SSSE answered {sw:04X}")

    @staticmethod
    def _select(channel: CardChannel, fid: bytes, ssse_selected: bool) -> None:
        _, sw = channel.send(select_file_apdu(fid))
        if sw != SW_OK:
            where = "in SSSE" if ssse_selected else "without SSSE"
            raise UnsupportedCard(f"SELECT {fid.hex().upper()} {where} answered {sw:04X}")

    @staticmethod
    def _read_tag(
        channel: CardChannel, tag: int, length: int, pin_verified: bool
    ) -> tuple[bytes | None, bool]:
        data, sw = channel.send(read_by_tag_apdu(tag, length))
        if sw == SW_SECURITY_NOT_SATISFIED and not pin_verified:
            _, pin_sw = channel.send(VERIFY_DEFAULT_PIN)
            if pin_sw != SW_OK:
                raise UnsupportedCard(
                    f"field {tag:02X} needs a PIN; default PIN answered {pin_sw:04X}"
                )
            pin_verified = True
            data, sw = channel.send(read_by_tag_apdu(tag, length))
        if sw in (SW_RECORD_NOT_FOUND, SW_FILE_NOT_FOUND):
            return None, pin_verified
        if sw != SW_OK:
            raise BadCardData(f"READ tag {tag:02X} answered {sw:04X}")
        if len(data) < 2 or data[0] != tag:
            raise BadCardData(f"READ tag {tag:02X}: malformed TLV")
        value_length = data[1]
        if value_length > len(data) - 2:
            raise BadCardData(f"READ tag {tag:02X}: length {value_length} beyond the data")
        return data[2 : 2 + value_length], pin_verified


def build_identity(fields: dict[int, bytes | None]) -> Identity:
    """Decode and check raw field values; raise BadCardData on anything implausible."""
    raw_id, raw_name = fields.get(TAG_ID_NUMBER), fields.get(TAG_NAME)
    if raw_id is None or raw_name is None:
        raise BadCardData("ID number or name missing")
    id_number = decode_ascii(raw_id, "ID number").rstrip("Ff").upper()
    if not idn.is_valid(id_number):
        raise BadCardData("ID number fails its check digit or birth date (GB 11643)")
    name = decode_text(raw_name)
    if not name:
        raise BadCardData("name is empty")
    birth_date = idn.birth_date(id_number)
    raw_birth = fields.get(TAG_BIRTH_DATE)
    if raw_birth is not None and decode_bcd_date(raw_birth) != birth_date:
        raise BadCardData("birth date field disagrees with the ID number")
    raw_sex = fields.get(TAG_SEX)
    sex = decode_ascii(raw_sex, "sex") if raw_sex else idn.sex(id_number)
    if sex not in ("1", "2"):
        raise BadCardData("sex field is neither 1 nor 2")
    raw_card_number = fields.get(TAG_CARD_NUMBER)
    raw_expiry = fields.get(TAG_EXPIRY)
    expiry = decode_bcd_date(raw_expiry) if raw_expiry else None
    return Identity(
        name=name,
        id_number=id_number,
        sex=sex,
        birth_date=birth_date,
        card_number=decode_ascii(raw_card_number, "card number") if raw_card_number else "",
        card_expiry=expiry,
        valid_until=expiry,
    )


def decode_text(raw: bytes) -> str:
    """Text fields: 0x00-padded GB18030 (a superset of GBK; real names need it)."""
    try:
        return raw.rstrip(b"\x00").decode("gb18030").strip()
    except UnicodeDecodeError as error:
        raise BadCardData("text field is not valid GB18030") from error


def decode_ascii(raw: bytes, what: str) -> str:
    try:
        text = raw.rstrip(b"\x00").decode("ascii")
    except UnicodeDecodeError as error:
        raise BadCardData(f"{what} is not ASCII") from error
    if not text.isprintable():
        raise BadCardData(f"{what} has control characters")
    return text.strip()


def decode_bcd_date(raw: bytes) -> dt.date:
    """4 bytes of BCD YYYYMMDD, F-padded digits allowed at the end only."""
    digits = raw.hex().upper().rstrip("F")
    if len(digits) != 8 or not digits.isdigit():
        raise BadCardData("date field is not BCD YYYYMMDD")
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError as error:
        raise BadCardData("date field is not a real date") from error


def encode_bcd(digits: str, length: int) -> bytes:
    """Pack digits as BCD into `length` bytes, F-padded (the card's numeric format)."""
    padded = digits.ljust(length * 2, "F")
    return bytes.fromhex(padded)


__all__ = ["CardError", "SocialSecurityCardProfile", "build_identity", "encode_bcd"]
