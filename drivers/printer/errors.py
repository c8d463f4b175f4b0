"""The printer faults a receipt can meet, one class each (like drivers/errors.py for cards).

`kind` is a stable word the core maps to a villager's message and a staff alert
(kiosk/messages.py); `str(error)` is the technical detail for staff and logs; `fix` is what
a maintainer should do. Details name the printer's address, never a tracking number.
"""


class PrinterError(Exception):
    """Base of every fault the printer driver reports."""

    kind = "printer_offline"
    fix = "check the printer's power, cable or network, then print again."


class PaperOut(PrinterError):
    """The roll is empty (DLE EOT 4: paper end; DLE EOT 2: stopped for paper end)."""

    kind = "paper_out"
    fix = "put a new roll in the printer (thermal side towards the head) and close the cover."


class CoverOpen(PrinterError):
    """The printer's cover is open (DLE EOT 2)."""

    kind = "cover_open"
    fix = "close the printer's cover until it clicks."


class PrinterOffline(PrinterError):
    """The printer cannot be reached (connection refused, timed out, no such device) or
    says it is offline for a reason it does not name."""

    kind = "printer_offline"
    fix = (
        "the printer does not answer: check it is on, its cable or network, and the "
        "escpos_url in kiosk.toml (kiosk printer status tells what it sees)."
    )


class PrinterUnavailable(PrinterError):
    """This kiosk cannot print at all: no printer configured, or a part missing (the
    python-escpos library, the Chinese font). Not the printer's fault."""

    kind = "printer_unavailable"
    fix = "set receipt_printer in kiosk.toml (see docs/printing.md) and install what is missing."
