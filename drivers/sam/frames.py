"""Frames of the SAM ID-card reader protocol (GA/T 467-2019, formerly GA 467-2013).

Both ways: ``AA AA AA 96 69 | LEN (2, big-endian) | body | XOR``. LEN counts the body and
the checksum byte; XOR is over the two LEN bytes and the body. Host to reader the body is
``CMD PARA [data]``; reader to host it is ``SW1 SW2 SW3 [data]`` with SW1 SW2 = 00 00.

Everything here is pure: bytes in, `Response` or `BadFrame` out, so the parser can be
driven by hypothesis without a port (tests/unit/drivers/test_sam_frames.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import BadFrame

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_SIZE = len(PREAMBLE) + 2  # preamble + LEN
MIN_ANSWER_LENGTH = 4  # SW1 SW2 SW3 + checksum
# The longest legal answer is 30 10 (text, photo and fingerprints): 3 + 6 + 256 + 1024 +
# 1024 + 1 = 2314. Anything longer is noise, refused before we wait for it.
MAX_LENGTH = 2400

# Commands (CMD, PARA).
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)
READ_EXTRA_ADDRESS = (0x30, 0x03)

COMMAND_NAMES = {
    RESET_SAM: "reset SAM",
    SAM_STATUS: "SAM status",
    SAM_ID: "SAM id",
    FIND_CARD: "find card",
    SELECT_CARD: "select card",
    READ_TEXT_PHOTO: "read text + photo",
    READ_TEXT_PHOTO_FINGERPRINT: "read text + photo + fingerprint",
    READ_EXTRA_ADDRESS: "read extra address",
}

# SW3 values, as GA/T 467 readers and their vendors' manuals list them.
SW3_OK = 0x90
SW3_NO_CONTENT = 0x91  # e.g. no extra address on the card
SW3_CARD_FOUND = 0x9F
SW3_NO_CARD = 0x80
SW3_SELECT_FAILED = 0x81
SW3_READ_FAILED = 0x41
STATUS_TEXT = {
    0x90: "success",
    0x91: "no content",
    0x9F: "card found",
    0x10: "the reader got a frame with a bad checksum",
    0x11: "the reader got a frame with a bad length",
    0x21: "command not understood by the reader",
    0x23: "operation not permitted",
    0x24: "unrecognised error",
    0x31: "the card did not authenticate the reader",
    0x32: "the reader did not authenticate the card",
    0x33: "the card's information failed verification",
    0x37: "fingerprint information failed verification",
    0x3F: "information length error",
    0x40: "card type not recognised",
    0x41: "reading the card failed",
    0x47: "could not get a random number",
    0x60: "SAM self-check failed",
    0x66: "SAM not authorised",
    0x80: "no card found",
    0x81: "selecting the card failed",
}


def describe_status(sw3: int) -> str:
    return STATUS_TEXT.get(sw3, "not defined by GA/T 467")


def command_name(command: tuple[int, int]) -> str:
    return COMMAND_NAMES.get(command, f"command {command[0]:02X} {command[1]:02X}")


def xor(data: bytes | bytearray | memoryview) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap a body (command or answer) in preamble, length and checksum."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def command_frame(command: tuple[int, int], data: bytes = b"") -> bytes:
    return encode_frame(bytes(command) + data)


def answer_frame(sw3: int, data: bytes = b"", sw1: int = 0x00, sw2: int = 0x00) -> bytes:
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Response:
    """One answer. `data` is a bytearray so the caller can wipe it (the photo) in place."""

    sw1: int
    sw2: int
    sw3: int
    data: bytearray

    @property
    def status(self) -> str:
        return f"{self.sw1:02X} {self.sw2:02X} {self.sw3:02X}"

    def wipe(self) -> None:
        """Overwrite the data: the photo must not linger in memory (cards.md)."""
        self.data[:] = bytes(len(self.data))


def _check_header(header: bytes | bytearray) -> int | None:
    """Check as much of the header as has arrived; return LEN once known."""
    seen = min(len(header), len(PREAMBLE))
    if header[:seen] != PREAMBLE[:seen]:
        raise BadFrame(f"answer does not start with the AA AA AA 96 69 preamble ({seen} bytes)")
    if len(header) < HEADER_SIZE:
        return None
    length = int.from_bytes(header[len(PREAMBLE) : HEADER_SIZE], "big")
    if not MIN_ANSWER_LENGTH <= length <= MAX_LENGTH:
        raise BadFrame(f"answer length {length} outside {MIN_ANSWER_LENGTH}..{MAX_LENGTH}")
    return length


def decode_frame(frame: bytes | bytearray) -> Response:
    """Parse one complete answer frame; raise BadFrame on anything malformed."""
    length = _check_header(frame[:HEADER_SIZE])
    if length is None:
        raise BadFrame(f"truncated answer: {len(frame)} bytes, shorter than a header")
    if len(frame) < HEADER_SIZE + length:
        raise BadFrame(f"truncated answer: {len(frame)} of {HEADER_SIZE + length} bytes")
    if len(frame) > HEADER_SIZE + length:
        raise BadFrame(f"answer of {len(frame)} bytes; its length says {HEADER_SIZE + length}")
    with memoryview(frame) as view:
        if xor(view[len(PREAMBLE) : -1]) != frame[-1]:
            raise BadFrame("answer fails its XOR checksum")
        return Response(frame[7], frame[8], frame[9], bytearray(view[10:-1]))


class FrameDecoder:
    """Collects one answer frame from bytes as they arrive on the line.

    Fails as soon as a byte proves the frame wrong (a bad preamble byte, an impossible
    length) instead of waiting for a timeout.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._length: int | None = None

    @property
    def received(self) -> int:
        return len(self._buffer)

    @property
    def expected(self) -> int | None:
        """The whole frame's size once the header has arrived."""
        return None if self._length is None else HEADER_SIZE + self._length

    def needed(self) -> int:
        """How many more bytes to ask for (the header first, then the rest of the frame)."""
        if self._length is None:
            return HEADER_SIZE - len(self._buffer)
        return HEADER_SIZE + self._length - len(self._buffer)

    def feed(self, chunk: bytes) -> Response | None:
        """Add bytes; return the answer once complete. Bytes past the frame are ignored."""
        self._buffer += chunk
        if self._length is None:
            self._length = _check_header(self._buffer[:HEADER_SIZE])
            if self._length is None:
                return None
        size = HEADER_SIZE + self._length
        if len(self._buffer) < size:
            return None
        frame = self._buffer[:size]
        # The photo travels through these buffers: overwrite them once parsed.
        self._buffer[:] = bytes(len(self._buffer))
        try:
            return decode_frame(frame)
        finally:
            frame[:] = bytes(len(frame))
