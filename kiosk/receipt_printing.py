"""打印回执: the receipt printed where this kiosk prints (`receipt_printer`, docs/printing.md).

- `escpos`: a 58 or 80 mm thermal printer (drivers/printer), the receipt drawn as one
  raster image (kiosk/receipt_raster.py);
- `cups` (an office's A4 printer) and `pdf`: a page drawn by the window with QPrinter, so
  the caller hands in `print_page` (ui/printing.py); the core never imports Qt;
- `none`: the print button is not offered.

A printer that cannot print (paper out, cover open, unreachable, not set up) raises a
`PrinterError`, and staff get an alert naming the fix; the villager's message is the
caller's to show (kiosk/messages.printer_problem), next to the receipt, which stays.
`core.printing` is this object: the window calls it as it calls `core.usage`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.printer.address import parse_printer_url
from drivers.printer.errors import PrinterError, PrinterOffline, PrinterUnavailable
from kiosk import messages
from kiosk.config import KioskConfig
from kiosk.submission import Receipt
from kiosk.text import Text

if TYPE_CHECKING:
    from drivers.printer.escpos_printer import EscposPrinter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageTarget:
    """Where a page printer (QPrinter) prints: a CUPS queue ("" for the system's default)
    or, with `pdf_dir`, a PDF file there."""

    printer_name: str
    pdf_dir: Path | None


PagePrinter = Callable[[Receipt, PageTarget], str]


class ReceiptPrinter:
    def __init__(self, config: KioskConfig, alert: Callable[[Text, str], None]) -> None:
        self.config = config
        self._alert = alert
        self._thermal: EscposPrinter | None = None  # one, so its lock orders every job
        self._thermal_made = threading.Lock()  # two first prints at once still make one
        if config.receipt_mode == "escpos":  # here, on the main thread (see the function)
            # The driver (python-escpos) loads only on a kiosk that prints on a thermal
            # printer: the others start without it.
            from drivers.printer.escpos_printer import use_capabilities_cache

            use_capabilities_cache(self._cache_dir)

    @property
    def _cache_dir(self) -> Path:
        return self.config.data_dir / "cache"

    @property
    def available(self) -> bool:
        """False when this kiosk has no printer at all (`receipt_printer = "none"`)."""
        return self.config.receipt_mode != "none"

    def print(self, receipt: Receipt, print_page: PagePrinter) -> str:
        """Print `receipt`; returns the kind of printer it went to. Call off the GUI thread
        (a printer that does not answer takes seconds to say so). Raises PrinterError
        after alerting staff."""
        mode = self.config.receipt_mode
        started = time.monotonic()
        try:
            if mode == "escpos":
                from kiosk.receipt_raster import render_receipt

                printer = self.thermal_printer()
                status = printer.print_image(render_receipt(receipt, printer.width_dots))
                detail = status.describe()
            elif mode == "none":
                raise PrinterUnavailable('receipt_printer = "none": this kiosk has no printer')
            else:
                # pdf means files only, even with a CUPS queue named for another day.
                queue = self.config.printer_name if mode == "cups" else ""
                target = PageTarget(queue, self.config.receipt_pdf_dir)
                try:
                    detail = print_page(receipt, target)
                except OSError as error:  # QPrinter could not start: no queue, no disk
                    raise PrinterOffline(f"{mode}: {error}") from error
        except PrinterError as error:
            _, staff = messages.printer_problem(error.kind)
            self._alert(staff, f"{error}. Fix: {error.fix}")
            raise
        # The kind of printer only: a PDF's name holds the tracking number.
        log.info("receipt printed (%s) in %.0f ms", mode, (time.monotonic() - started) * 1000)
        if mode == "escpos":
            log.debug("the printer says: %s", detail)
        return mode

    def thermal_printer(self) -> EscposPrinter:
        """The configured ESC/POS printer (PrinterUnavailable when none is)."""
        if not self.config.escpos_url:
            raise PrinterUnavailable("escpos_url is not set in kiosk.toml")
        from drivers.printer.escpos_printer import EscposPrinter

        with self._thermal_made:
            if self._thermal is None:
                self._thermal = EscposPrinter(
                    parse_printer_url(self.config.escpos_url),
                    self.config.paper_width_mm,
                    cache_dir=self._cache_dir,
                )
            return self._thermal


def printer_check(config: KioskConfig) -> tuple[bool, str, str]:
    """For `kiosk doctor` and `kiosk printer status`: (ok, what was seen, the fix)."""
    mode = config.receipt_mode
    if mode == "none":
        return True, 'receipt_printer = "none": no print button', ""
    if mode == "pdf":
        return True, f"receipts as PDF in {config.receipt_pdf_dir}", ""
    if mode == "cups":
        return True, f"CUPS queue {config.printer_name or '(the default)'}", ""
    try:
        printer = ReceiptPrinter(config, lambda message, detail: None).thermal_printer()
        status = printer.status()
    except PrinterError as error:
        return False, str(error), error.fix
    problem = status.problem(str(printer.address))
    detail = f"{printer}: {status.describe()}"
    return problem is None, detail, problem.fix if problem is not None else ""
