"""GA/T 467 frames: encoding, every check of the parser, status codes; the parser under
hypothesis (only CardError escapes, and it never waits for bytes that cannot come)."""

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.errors import (
    BadCardData,
    BadFrame,
    CardError,
    CardNotResponding,
    SamError,
    UnsupportedCard,
)
from drivers.sam import frames
from drivers.sam.frames import (
    FIND_CARD,
    READ_TEXT_PHOTO,
    SELECT_CARD,
    FrameDecoder,
    Response,
    answer_frame,
    command_frame,
    decode_frame,
)
from drivers.sam.protocol import CardSideFailure, check


def test_command_frames_match_the_bytes_readers_expect():
    # Find card and read text + photo, as printed in reader manuals.
    assert command_frame(FIND_CARD) == bytes.fromhex("AAAAAA9669 0003 2001 22")
    assert command_frame(READ_TEXT_PHOTO) == bytes.fromhex("AAAAAA9669 0003 3001 32")


def test_a_find_card_answer_decodes():
    raw = bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97")
    assert raw == answer_frame(0x9F, bytes(4))
    answer = decode_frame(raw)
    assert (answer.sw1, answer.sw2, answer.sw3) == (0, 0, 0x9F)
    assert answer.data == bytes(4)


def test_length_counts_body_and_checksum():
    frame = answer_frame(0x90, b"\x01\x02")
    assert int.from_bytes(frame[5:7], "big") == 3 + 2 + 1
    assert len(frame) == 7 + 6


def test_the_read_answer_is_a_1295_byte_frame():
    data = (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + bytes(256 + 1024)
    assert len(answer_frame(0x90, data)) == 1295


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda f: b"\xab" + f[1:], "preamble"),
        (lambda f: f[:4] + b"\x00" + f[5:], "preamble"),
        (lambda f: f[:-1] + bytes([f[-1] ^ 1]), "checksum"),
        (lambda f: f[:10] + bytes([f[10] ^ 0x40]) + f[11:], "checksum"),
        (lambda f: f[:-3], "truncated"),
        (lambda f: f[:5], "truncated"),
        (lambda f: f + b"\x00", "length says"),
        (lambda f: f[:5] + b"\x00\x02" + f[7:], "length"),
        (lambda f: f[:5] + b"\xff\xff" + f[7:], "length"),
    ],
)
def test_every_malformed_frame_is_a_bad_frame(mutate, words):
    good = answer_frame(0x90, b"\x11\x22\x33")
    with pytest.raises(BadFrame, match=words) as caught:
        decode_frame(mutate(good))
    assert caught.value.kind == "card_not_responding"


def test_the_decoder_collects_a_frame_byte_by_byte():
    frame = answer_frame(0x90, bytes(range(40)))
    decoder = FrameDecoder()
    for index, byte in enumerate(frame):
        assert decoder.needed() > 0
        answer = decoder.feed(bytes([byte]))
        assert (answer is None) == (index < len(frame) - 1)
    assert answer.data == bytes(range(40))


def test_the_decoder_refuses_a_wrong_first_byte_at_once():
    decoder = FrameDecoder()
    with pytest.raises(BadFrame, match="preamble"):
        decoder.feed(b"\x00")


def test_the_decoder_refuses_an_impossible_length_before_waiting_for_it():
    decoder = FrameDecoder()
    with pytest.raises(BadFrame, match="length"):
        decoder.feed(frames.PREAMBLE + (frames.MAX_LENGTH + 1).to_bytes(2, "big"))


def test_the_decoder_wipes_what_passed_through_it():
    decoder = FrameDecoder()
    answer = decoder.feed(answer_frame(0x90, b"PHOTO" * 10))
    assert not any(decoder._buffer)  # the photo does not linger in the line buffer
    answer.wipe()
    assert not any(answer.data)


def _answer(sw3, sw1=0, sw2=0):
    return Response(sw1, sw2, sw3, bytearray())


@pytest.mark.parametrize(
    ("sw3", "error", "kind"),
    [
        (0x81, CardSideFailure, "card_not_responding"),
        (0x41, CardSideFailure, "card_not_responding"),
        (0x10, BadFrame, "card_not_responding"),
        (0x11, BadFrame, "card_not_responding"),
        (0x40, UnsupportedCard, "unsupported_card"),
        (0x32, BadCardData, "bad_card_data"),
        (0x33, BadCardData, "bad_card_data"),
        (0x60, SamError, "sam_error"),
        (0x66, SamError, "sam_error"),
        (0x21, SamError, "sam_error"),
        (0x5A, SamError, "sam_error"),  # not in GA/T 467
        (0x00, SamError, "sam_error"),
    ],
)
def test_status_codes_become_clear_errors(sw3, error, kind):
    with pytest.raises(error) as caught:
        check(_answer(sw3), SELECT_CARD, (0x90,))
    assert caught.value.kind == kind
    message = str(caught.value)
    assert f"{sw3:02X}" in message and "select card" in message


def test_an_unknown_status_says_so():
    with pytest.raises(SamError, match="5A to read text \\+ photo: not defined by GA/T 467"):
        check(_answer(0x5A), READ_TEXT_PHOTO, (0x90,))


def test_sw1_sw2_must_be_zero():
    with pytest.raises(SamError, match="SW1 SW2 must be 00 00"):
        check(_answer(0x90, sw1=0x01), READ_TEXT_PHOTO, (0x90,))


def test_accepted_statuses_pass():
    assert check(_answer(0x80), FIND_CARD, (0x9F, 0x80)) == 0x80


# -- hypothesis ---------------------------------------------------------------------------

valid_frames = st.builds(
    lambda sw3, data: answer_frame(sw3, data), st.integers(0, 255), st.binary(max_size=64)
)


def _mutated(frame: bytes, position: int, value: int, cut: int) -> bytes:
    raw = bytearray(frame)
    raw[position % len(raw)] = value
    return bytes(raw[: max(0, len(raw) - cut)])


garbage = st.one_of(
    st.binary(max_size=80),
    st.builds(lambda body: frames.PREAMBLE + body, st.binary(max_size=80)),
    st.builds(_mutated, valid_frames, st.integers(0, 200), st.integers(0, 255), st.integers(0, 3)),
    valid_frames,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage)
def test_decode_frame_raises_only_card_errors(raw):
    try:
        answer = decode_frame(raw)
    except CardError:
        return
    assert raw == answer_frame(answer.sw3, bytes(answer.data), answer.sw1, answer.sw2)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage, st.lists(st.integers(1, 9), min_size=1, max_size=20))
def test_the_stream_decoder_raises_only_card_errors_and_never_asks_for_too_much(raw, cuts):
    decoder = FrameDecoder()
    started = time.monotonic()
    position = 0
    try:
        for cut in cuts * (len(raw) + 1):
            if position >= len(raw):
                break
            assert 0 < decoder.needed() <= 7 + frames.MAX_LENGTH
            chunk = raw[position : position + min(cut, decoder.needed())]
            position += len(chunk)
            answer = decoder.feed(chunk)
            if answer is not None:
                assert answer.sw1 in range(256)
                break
    except CardError:
        pass
    assert time.monotonic() - started < 1.0


@settings(max_examples=300, deadline=None)
@given(garbage, st.integers(0, 255))
def test_check_of_any_decoded_answer_raises_only_card_errors(raw, accepted):
    with contextlib.suppress(CardError):
        check(decode_frame(raw), READ_TEXT_PHOTO, (accepted,))


def test_card_not_responding_is_what_bad_frames_are():
    assert issubclass(BadFrame, CardNotResponding)
