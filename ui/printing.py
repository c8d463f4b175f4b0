"""Printing the receipt from the receipt screen: one print per tap, on the background
worker, through `core.printing` (kiosk/receipt_printing.py), which picks the printer.
Thermal ESC/POS printers are driven by the core; CUPS queues (an office's A4 printer) and
PDF files are drawn here with QPrinter (QtPrintSupport), handed to the core as
`print_page`.

The receipt carries no personal data: service, tracking number, date, what happens next,
and the QR code for the status page.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from drivers.printer.errors import PrinterError
from kiosk import messages
from kiosk.qr_code import qr_matrix
from kiosk.receipt_printing import PageTarget, ReceiptPrinter
from kiosk.receipt_raster import T_HEADING, T_NUMBER, T_SCAN, T_SUBMITTED, T_TRAINING
from kiosk.submission import Receipt
from kiosk.text import Text
from ui.background import run_in_background
from ui.theme import FONT_FAMILIES
from ui.widgets import paint_qr

log = logging.getLogger(__name__)

RECEIPT_WIDTH_MM = 80  # a common thermal receipt roll; A4 printers print it top-left


def print_page(receipt: Receipt, target: PageTarget) -> str:
    """Print on a page printer; returns where it went (printer name or PDF path). Raises
    OSError when neither a printer nor the PDF directory is usable."""
    printer_name, pdf_dir = target.printer_name, target.pdf_dir
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    names = QPrinterInfo.availablePrinterNames()
    if printer_name and printer_name in names:
        printer.setPrinterName(printer_name)
        destination = printer_name
    elif not printer_name and names and pdf_dir is None:
        printer.setPrinterName(QPrinterInfo.defaultPrinterName() or names[0])
        destination = printer.printerName()
    else:
        if pdf_dir is None:
            raise OSError("no printer configured or available")
        pdf_dir.mkdir(parents=True, exist_ok=True)
        path = pdf_dir / f"receipt-{receipt.tracking_number}.pdf"
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        destination = str(path)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A6),
            QPageLayout.Orientation.Portrait,
            QMarginsF(5, 5, 5, 5),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter()
    if not painter.begin(printer):
        # Not the destination: a PDF's name holds the tracking number (staff alerts, logs).
        raise OSError(f"QPrinter cannot start on {printer_name or 'the PDF file'}")
    try:
        _paint(painter, printer, receipt)
    finally:
        painter.end()
    return destination


def _paint(painter: QPainter, printer: QPrinter, receipt: Receipt) -> None:
    dots_per_mm = printer.resolution() / 25.4
    width = printer.pageLayout().paintRectPixels(printer.resolution()).width()
    y = 0.0

    def text(line: str, size_pt: float, bold: bool = False) -> None:
        nonlocal y
        font = QFont()
        font.setFamilies(FONT_FAMILIES)
        font.setPointSizeF(size_pt)
        font.setBold(bold)
        painter.setFont(font)
        rect = painter.boundingRect(
            QRectF(0, y, width, 10_000), int(Qt.TextFlag.TextWordWrap), line
        )
        painter.drawText(rect, int(Qt.TextFlag.TextWordWrap), line)
        y += rect.height() + 2 * dots_per_mm

    text(T_HEADING.zh, 11, bold=True)
    if receipt.training:
        text(f"{T_TRAINING.zh} {T_TRAINING.en}", 11, bold=True)
    text(f"{receipt.service_title.zh}\n{receipt.service_title.en}", 10, bold=True)
    text(f"{T_NUMBER.zh} {T_NUMBER.en}:\n{receipt.grouped_tracking_number}", 12, bold=True)
    text(f"{T_SUBMITTED.zh} {T_SUBMITTED.en}: {receipt.submitted_at:%Y-%m-%d %H:%M}", 9)
    text(f"{receipt.next_steps.zh}\n{receipt.next_steps.en}", 9)
    side = 30 * dots_per_mm
    paint_qr(painter, qr_matrix(receipt.status_url, border=2), 0, y, side)
    y += side + 2 * dots_per_mm
    painter.setPen(QColor("black"))
    text(f"{T_SCAN.zh} {T_SCAN.en}", 8)


def print_in_background(screen, printing: ReceiptPrinter, language: str, parent) -> None:
    """打印回执 on the receipt screen: one print per tap, the outcome on the screen. A
    printer that cannot print leaves the receipt where it is, says why in a line under
    it, and offers the button again (staff were alerted by the core)."""
    receipt = screen.receipt
    if receipt is None:
        return
    screen.print_button.setEnabled(False)  # one print per tap, even a slow one
    screen.show_print_problem(None, language)

    def printed(_mode: str) -> None:
        if screen.receipt is receipt:
            screen.show_print_result(Text("✔ 已打印", "✔ Printed"), language)

    def failed(error: Exception) -> None:
        if not isinstance(error, PrinterError):
            log.error("receipt not printed", exc_info=error)  # a bug: the core maps the rest
        if screen.receipt is receipt:
            kind = error.kind if isinstance(error, PrinterError) else "printer_offline"
            villager, _ = messages.printer_problem(kind)
            screen.show_print_problem(villager, language)

    run_in_background(
        lambda: printing.print(receipt, print_page), printed, failed, parent, lane="printer"
    )
