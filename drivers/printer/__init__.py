"""The receipt printer: 58 and 80 mm thermal printers speaking ESC/POS over the network
(port 9100), USB (/dev/usb/lp*) or a serial line, through python-escpos.

- address: `escpos_url` parsed (`tcp://HOST[:PORT]`, `/dev/usb/lp0`, `serial:/dev/...`)
- status:  DLE EOT real-time status (paper, cover, offline)
- errors:  `PrinterError` kinds (paper_out, cover_open, printer_offline,
           printer_unavailable), each with its fix
- escpos_printer: `EscposPrinter`, one conversation per job

Imports nothing else of ours and never Qt; python-escpos is imported on first use, and
the driver itself too: a kiosk parses `escpos_url` at every start, and most have no
thermal printer.
"""

from typing import TYPE_CHECKING, Any

from drivers.printer.address import PrinterAddress, parse_printer_url
from drivers.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrinterUnavailable,
)

if TYPE_CHECKING:
    from drivers.printer.escpos_printer import EscposPrinter
    from drivers.printer.status import PrinterStatus

__all__ = [
    "CoverOpen",
    "EscposPrinter",
    "PaperOut",
    "PrinterAddress",
    "PrinterError",
    "PrinterOffline",
    "PrinterStatus",
    "PrinterUnavailable",
    "parse_printer_url",
]


def __getattr__(name: str) -> Any:
    if name == "EscposPrinter":
        from drivers.printer.escpos_printer import EscposPrinter

        return EscposPrinter
    if name == "PrinterStatus":
        from drivers.printer.status import PrinterStatus

        return PrinterStatus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
