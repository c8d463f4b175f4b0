"""The read command's answer handling with a small fake port (the real pty is in
tests/e2e/test_sam_reader.py): the photo is wiped at once, lengths are checked."""

import dataclasses
import time

import pytest

from drivers import id_number as idn
from drivers.errors import BadCardData
from drivers.sam.frames import (
    READ_EXTRA_ADDRESS,
    READ_TEXT_PHOTO,
    Response,
    decode_frame,
)
from drivers.sam.protocol import masked_sam_id, read_identity
from drivers.simulated.sam_card import PHOTO_MARKER, sam_card
from drivers.simulated.sam_reader import SamReaderEmulator

NUMBER = idn.with_check_character("44528119520708131")


class FakePort:
    """Answers with the emulator's own reply logic, and keeps every answer it handed out."""

    def __init__(self, emulator: SamReaderEmulator) -> None:
        self.emulator = emulator
        self.answers: list[Response] = []
        self.frames_sent = 0

    def transact(self, command, timeout_s, data=b""):
        self.frames_sent += 1
        answer = decode_frame(self.emulator._reply(command))
        self.answers.append(answer)
        return answer


def _port(card=None, **emulator_args):
    emulator = SamReaderEmulator(**emulator_args)
    emulator.place(card or sam_card("resident-id", "王䶮", NUMBER))
    return FakePort(emulator)


def test_the_photo_is_wiped_the_moment_the_text_is_out():
    port = _port()
    identity = read_identity(port, time.monotonic() + 1.0)
    assert identity.name == "王䶮"
    read_answer = next(a for a in port.answers if len(a.data) > 1024)
    assert not any(read_answer.data)  # 1284 zero bytes: text and photo overwritten
    for field in dataclasses.fields(identity):
        assert not isinstance(getattr(identity, field.name), bytes | bytearray)


def test_the_photo_is_wiped_even_when_the_text_is_refused():
    port = _port(sam_card("resident-id", "王䶮", NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")))
    with pytest.raises(BadCardData):
        read_identity(port, time.monotonic() + 1.0)
    read_answer = next(a for a in port.answers if len(a.data) > 1024)
    assert PHOTO_MARKER not in bytes(read_answer.data) and not any(read_answer.data)


def test_lengths_that_disagree_with_the_answer_are_bad_data():
    port = _port()

    def short_read(command, timeout_s, data=b""):
        answer = FakePort.transact(port, command, timeout_s)
        if command == READ_TEXT_PHOTO:
            del answer.data[-10:]
        return answer

    port.transact = short_read
    with pytest.raises(BadCardData, match="lengths say"):
        read_identity(port, time.monotonic() + 1.0)


def test_the_extra_address_is_read_only_when_the_address_is_wanted():
    card = sam_card("resident-id", "王䶮", NUMBER, address="甲村", extra_address="迁入乙村")
    port = _port(card)
    assert read_identity(port, time.monotonic() + 1.0).address is None
    assert port.emulator.commands[READ_EXTRA_ADDRESS] == 0
    port = _port(card)
    sent = []
    real = port.transact

    def recording(command, timeout_s, data=b""):
        sent.append(command)
        return real(command, timeout_s, data)

    port.transact = recording
    assert read_identity(port, time.monotonic() + 1.0, keep_address=True).address == "甲村迁入乙村"
    assert sent[-1] == READ_EXTRA_ADDRESS


def test_the_sam_id_is_masked_for_staff():
    masked = masked_sam_id(bytes.fromhex("05010000201801010000123400005678"))
    assert masked.endswith("5678") and set(masked[:-4]) == {"*"} and len(masked) == 32
