"""The printer driver's pieces: the address string, the DLE EOT status bytes, and the
emulator's parser (tests read printed receipts with it, so it is tested too)."""

from __future__ import annotations

import pytest

from drivers.printer.address import PrinterAddress, parse_printer_url
from drivers.printer.errors import CoverOpen, PaperOut, PrinterOffline
from drivers.printer.status import PAPER, PrinterStatus, is_status_byte
from drivers.simulated.escpos_emulator import EscposParser, parse, status_answer


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("tcp://192.168.1.50", PrinterAddress("network", host="192.168.1.50", port=9100)),
        ("tcp://printer.local:9101", PrinterAddress("network", host="printer.local", port=9101)),
        ("/dev/usb/lp0", PrinterAddress("usb", path="/dev/usb/lp0")),
        ("serial:/dev/ttyUSB0", PrinterAddress("serial", path="/dev/ttyUSB0", baud=9600)),
        ("serial:/dev/ttyS0?baud=19200", PrinterAddress("serial", path="/dev/ttyS0", baud=19200)),
    ],
)
def test_printer_addresses(text, address):
    assert parse_printer_url(text) == address


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "expected tcp://"),
        ("tcp://host:70000", "port"),
        ("tcp://:9100", "tcp://HOST"),
        ("tcp://host/path", "tcp://HOST"),
        ("serial:/dev/ttyUSB0?baud=1234", "baud must be one of"),
        ("serial:/dev/ttyUSB0?parity=E", "only option"),
        ("serial:ttyUSB0", "absolute"),
        ("lp0", "expected tcp://"),
        ("/dev/usb/lp0 ", "expected"),
    ],
)
def test_wrong_printer_addresses_say_what_is_expected(text, said):
    with pytest.raises(ValueError, match=said.replace("?", r"\?")):
        parse_printer_url(text)


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        ("ok", None),
        ("paper_low", None),
        ("paper_out", PaperOut),
        ("cover_open", CoverOpen),
    ],
)
def test_status_bytes_as_a_printer_answers_them(state, problem):
    answers = {n: status_answer(state, n)[0] for n in (1, 2, 4)}
    assert all(is_status_byte(value) for value in answers.values())
    status = PrinterStatus.from_answers(answers)
    found = status.problem("tcp://printer:9100")
    assert type(found) is problem if problem else found is None
    assert status.paper_low == (state in ("paper_low", "paper_out"))


def test_offline_without_a_named_cause_and_no_answer_at_all():
    assert isinstance(PrinterStatus.from_answers({1: 0x12 | 0x08}).problem("p"), PrinterOffline)
    silent = PrinterStatus.from_answers({})
    assert not silent.answered and silent.problem("p") is None
    assert "no status answer" in silent.describe()


def test_stray_bytes_are_not_status_bytes():
    assert not is_status_byte(0xFF) and not is_status_byte(ord("A")) and is_status_byte(0x12)
    assert PrinterStatus.from_answers({PAPER: 0x12 | 0x60}).paper_out


def test_the_parser_takes_a_stream_in_any_pieces():
    stream = (
        b"\x1b@"
        + b"\x10\x04\x04"
        + b"\x1c&"
        + "你好".encode("gb18030")
        + b"\x1c."
        + b"\x1dv0\x00\x02\x00\x03\x00"  # 16 dots wide, 3 rows
        + bytes([0xFF, 0x00, 0x81, 0x81, 0x00, 0xFF])
        + b"\x1d(k\x03\x001A2"
        + b"\x1bd\x06"
        + b"\x1dVA\x10"
    )
    whole = parse(stream)
    parser = EscposParser()
    pieces = [command for byte in stream for command in parser.feed(bytes([byte]))]
    assert pieces == whole
    names = [command.name for command in whole]
    assert names == [
        "init",
        "status",
        "chinese_on",
        "text",
        "text",
        "text",
        "text",
        "chinese_off",
        "raster",
        "qr",
        "feed",
        "cut",
    ]
    raster = whole[8].value
    assert (raster.width_dots, raster.height) == (16, 3)
    image = raster.image()
    assert image.getpixel((0, 0)) == 0 and image.getpixel((8, 0)) == 255  # 1 = black
    assert whole[-1].raw == b"\x1dVA\x10"
    assert b"".join(c.value for c in whole if c.name == "text").decode("gb18030") == "你好"
