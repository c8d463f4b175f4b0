"""Where an ESC/POS printer is: the one string `escpos_url` in kiosk.toml.

- `tcp://HOST[:PORT]`: a network printer's raw port (9100 unless given);
- `/dev/usb/lp0` (any absolute path): a USB printer through the kernel's usblp driver;
- `serial:/dev/ttyUSB0[?baud=19200]`: a serial printer (9600 baud unless given, 8N1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

DEFAULT_PORT = 9100  # the raw printing port every network receipt printer listens on
DEFAULT_BAUD = 9600  # the factory setting of most serial receipt printers
BAUDS = (9600, 19200, 38400, 57600, 115200)
EXPECTED = (
    "tcp://HOST[:PORT] (port 9100 unless given), an absolute device path such as "
    "/dev/usb/lp0, or serial:/dev/ttyUSB0[?baud=N] with N one of "
    + ", ".join(str(baud) for baud in BAUDS)
)


@dataclass(frozen=True)
class PrinterAddress:
    kind: str  # "network" | "usb" | "serial"
    host: str = ""
    port: int = DEFAULT_PORT
    path: str = ""
    baud: int = DEFAULT_BAUD

    def __str__(self) -> str:
        if self.kind == "network":
            return f"tcp://{self.host}:{self.port}"
        if self.kind == "serial":
            return f"serial:{self.path}?baud={self.baud}"
        return self.path


def parse_printer_url(text: str) -> PrinterAddress:
    """The address `text` names; ValueError saying what was expected otherwise."""
    if not isinstance(text, str) or not text or re.search(r"[\s\x00]", text):
        raise ValueError(f"{text!r}: expected {EXPECTED}")
    if text.startswith("tcp://"):
        try:
            parts = urlsplit(text)
            port = parts.port or DEFAULT_PORT  # .port raises ValueError when out of range
        except ValueError:
            raise ValueError(f"{text!r}: the port is not a number from 1 to 65535") from None
        if not parts.hostname or parts.path not in ("", "/") or parts.query:
            raise ValueError(f"{text!r}: expected tcp://HOST[:PORT]")
        return PrinterAddress("network", host=parts.hostname, port=port)
    if text.startswith("serial:"):
        path, _, query = text[len("serial:") :].partition("?")
        if not path.startswith("/"):
            raise ValueError(f"{text!r}: expected serial:/dev/... (an absolute device path)")
        options = parse_qs(query, keep_blank_values=True) if query else {}
        if set(options) - {"baud"}:
            raise ValueError(f"{text!r}: the only option is baud")
        baud_text = options.get("baud", [str(DEFAULT_BAUD)])[-1]
        if not baud_text.isdigit() or int(baud_text) not in BAUDS:
            raise ValueError(f"{text!r}: baud must be one of {', '.join(map(str, BAUDS))}")
        return PrinterAddress("serial", path=path, baud=int(baud_text))
    if text.startswith("/"):
        return PrinterAddress("usb", path=text)
    raise ValueError(f"{text!r}: expected {EXPECTED}")


def is_printer_url(text: str) -> bool:
    try:
        parse_printer_url(text)
    except ValueError:
        return False
    return True
