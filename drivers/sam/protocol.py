"""The SAM reader's commands (GA/T 467) and what each answer status means for us.

Functions over a `SamPort`: find, select, read. The read keeps the text block and wipes
the photo (WLT, 1024 bytes: it needs a licensed decoder, so it is never decoded, stored or
logged). Status codes become `CardError`s with messages for staff and no personal data.
"""

from __future__ import annotations

import time

from drivers.errors import (
    BadCardData,
    BadFrame,
    CardNotResponding,
    SamError,
    UnsupportedCard,
)
from drivers.identity import Identity
from drivers.sam.frames import (
    FIND_CARD,
    READ_EXTRA_ADDRESS,
    READ_TEXT_PHOTO,
    SAM_ID,
    SAM_STATUS,
    SELECT_CARD,
    SW3_CARD_FOUND,
    SW3_NO_CARD,
    SW3_NO_CONTENT,
    SW3_OK,
    SW3_READ_FAILED,
    SW3_SELECT_FAILED,
    Response,
    command_name,
    describe_status,
)
from drivers.sam.port import SamPort
from drivers.sam.text import TEXT_SIZE, field, parse_text_block

ANSWER_TIMEOUT_S = 1.0  # status, find, select: a reader answers these in tens of ms
EXTRA_ADDRESS_SIZE = 70  # 追加住址: one more address field, UCS-2


class CardSideFailure(CardNotResponding):
    """The reader found a card but could not select or read it (status 81 / 41): it moved,
    sits badly or is damaged. The service tells this from a removal with one find-card."""


def check(answer: Response, command: tuple[int, int], accepted: tuple[int, ...]) -> int:
    """Return SW3 when it is one of `accepted`; otherwise raise the matching CardError."""
    name = command_name(command)
    if (answer.sw1, answer.sw2) != (0x00, 0x00):
        raise SamError(f"status {answer.status} to {name}: SW1 SW2 must be 00 00 (GA/T 467)")
    sw3 = answer.sw3
    if sw3 in accepted:
        return sw3
    detail = f"status {sw3:02X} to {name}: {describe_status(sw3)}"
    if sw3 in (0x10, 0x11):
        raise BadFrame(detail)  # our command reached the reader garbled
    if sw3 in (SW3_SELECT_FAILED, SW3_READ_FAILED):
        raise CardSideFailure(detail)
    if sw3 == SW3_NO_CARD:
        raise CardSideFailure(detail)  # asked of a card that has just gone
    if sw3 == 0x40:
        raise UnsupportedCard(detail)
    if sw3 in (0x31, 0x32, 0x33, 0x37, 0x3F):
        raise BadCardData(detail)  # the SAM's own checks of the card failed
    raise SamError(detail)  # SAM faults (21, 23, 24, 47, 60, 66) and codes GA/T 467 lacks


def sam_status(port: SamPort, timeout_s: float = ANSWER_TIMEOUT_S) -> None:
    check(port.transact(SAM_STATUS, timeout_s), SAM_STATUS, (SW3_OK,))


def sam_id(port: SamPort, timeout_s: float = ANSWER_TIMEOUT_S) -> bytes:
    answer = port.transact(SAM_ID, timeout_s)
    check(answer, SAM_ID, (SW3_OK,))
    if len(answer.data) != 16:
        raise SamError(f"SAM id of {len(answer.data)} bytes, expected 16")
    return bytes(answer.data)


def masked_sam_id(raw: bytes) -> str:
    """The SAM id for staff screens: its form, with all but the last 4 hex digits hidden."""
    text = raw.hex().upper()
    return "*" * (len(text) - 4) + text[-4:]


def find_card(port: SamPort, timeout_s: float = ANSWER_TIMEOUT_S) -> bool:
    answer = port.transact(FIND_CARD, timeout_s)
    return check(answer, FIND_CARD, (SW3_CARD_FOUND, SW3_NO_CARD)) == SW3_CARD_FOUND


def read_identity(port: SamPort, deadline: float, keep_address: bool = False) -> Identity:
    """Select the found card and read it, all before `deadline` (time.monotonic())."""
    check(port.transact(SELECT_CARD, _left(deadline)), SELECT_CARD, (SW3_OK,))
    answer = port.transact(READ_TEXT_PHOTO, _left(deadline))
    try:
        check(answer, READ_TEXT_PHOTO, (SW3_OK,))
        text = _text_block(answer)
    finally:
        answer.wipe()  # the photo is gone before anything else happens
    try:
        identity = parse_text_block(text, keep_address=keep_address)
        if keep_address and identity.address is not None:
            extra = read_extra_address(port, _left(deadline))
            if extra:
                identity.address += extra
        return identity
    finally:
        text[:] = bytes(len(text))


def read_extra_address(port: SamPort, timeout_s: float) -> str:
    """追加住址 (a move recorded on the chip), or "" when the card has none (status 91)."""
    answer = port.transact(READ_EXTRA_ADDRESS, timeout_s)
    try:
        if check(answer, READ_EXTRA_ADDRESS, (SW3_OK, SW3_NO_CONTENT)) == SW3_NO_CONTENT:
            return ""
        return field(answer.data, (0, min(len(answer.data), EXTRA_ADDRESS_SIZE)))
    finally:
        answer.wipe()


def _text_block(answer: Response) -> bytearray:
    """Copy out the text block; the answer (with its photo) is wiped by the caller."""
    data = answer.data
    if len(data) < 4:
        raise BadCardData(f"read answer of {len(data)} bytes has no length fields")
    text_length = int.from_bytes(data[0:2], "big")
    photo_length = int.from_bytes(data[2:4], "big")
    if text_length != TEXT_SIZE:
        raise BadCardData(f"text block of {text_length} bytes, expected {TEXT_SIZE}")
    if len(data) != 4 + text_length + photo_length:
        raise BadCardData(
            f"read answer of {len(data)} bytes, its lengths say {4 + text_length + photo_length}"
        )
    return bytearray(data[4 : 4 + text_length])


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise CardNotResponding("the read ran out of time (read_timeout_s)")
    return left
