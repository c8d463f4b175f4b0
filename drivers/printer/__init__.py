"""The receipt printer: 58 and 80 mm thermal printers speaking ESC/POS over the network
(port 9100), USB (/dev/usb/lp*) or a serial line, through python-escpos.

- address: `escpos_url` parsed (`tcp://HOST[:PORT]`, `/dev/usb/lp0`, `serial:/dev/...`)
- status:  DLE EOT real-time status (paper, cover, offline)
- errors:  `PrinterError` kinds (paper_out, cover_open, printer_offline,
           printer_unavailable), each with its fix
- escpos_printer: `EscposPrinter`, one conversation per job

Imports nothing else of ours and never Qt; python-escpos is imported on first use. The
package holds the light parts only: a kiosk parses `escpos_url` at every start and most
have no thermal printer, so the driver (`drivers.printer.escpos_printer`) and its status
(`drivers.printer.status`) are imported from their modules where a printer is used.
"""

from drivers.printer.address import PrinterAddress, parse_printer_url
from drivers.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterOffline,
    PrinterUnavailable,
)

__all__ = [
    "CoverOpen",
    "PaperOut",
    "PrinterAddress",
    "PrinterError",
    "PrinterOffline",
    "PrinterUnavailable",
    "parse_printer_url",
]
