"""Thermal receipt printing to the ESC/POS emulator on loopback, through the kiosk.

Prints, over N receipts per roll width (default 50):
- drawing the receipt (kiosk/receipt_raster.py: Pillow, Noto CJK, the QR code);
- sending it (drivers/printer: connect, ESC @, DLE EOT 1/2/4, GS v 0, feed, cut, DLE EOT
  again), the emulator answering each status question;
- the floor: bare python-escpos (`Network`, `image()`, `cut()`) sending the same image to
  the same emulator, no status asked;
- the bytes a receipt takes, and what that means on a serial line (10 bits a byte).

Run: .venv/bin/python benchmarks/printing.py [--receipts N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.printer.address import parse_printer_url  # noqa: E402
from drivers.printer.escpos_printer import EscposPrinter  # noqa: E402
from drivers.simulated.escpos_emulator import EscposPrinterEmulator  # noqa: E402
from kiosk.receipt_raster import render_receipt  # noqa: E402
from tests.helpers.receipts import sample_receipt  # noqa: E402


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"


def bare_escpos(url: str, image) -> None:
    from escpos.printer import Network

    address = parse_printer_url(url)
    printer = Network(address.host, address.port, timeout=3)
    printer.open()
    try:
        printer.hw("INIT")
        with contextlib.redirect_stdout(io.StringIO()):  # "media.width.pixel ... not set"
            printer.image(image, impl="bitImageRaster", fragment_height=960)
        printer.cut()
    finally:
        printer.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receipts", type=int, default=50)
    args = parser.parse_args()
    receipt = sample_receipt()
    render_receipt(receipt, 576)  # the fonts loaded once, as on a running kiosk
    with tempfile.TemporaryDirectory() as cache, EscposPrinterEmulator() as emulator:
        for width_mm, dots in ((58, 384), (80, 576)):
            printer = EscposPrinter(
                parse_printer_url(emulator.url), width_mm, cache_dir=Path(cache)
            )
            drawing, sending, floor = [], [], []
            for _ in range(args.receipts):
                started = time.perf_counter()
                image = render_receipt(receipt, dots)
                drawn = time.perf_counter()
                printer.print_image(image)
                sending.append(time.perf_counter() - drawn)
                drawing.append(drawn - started)
                started = time.perf_counter()
                bare_escpos(emulator.url, image)
                floor.append(time.perf_counter() - started)
            jobs = emulator.wait_for_jobs(len(emulator.jobs))
            size = len(jobs[-2].stream)  # the kiosk's last job (the bare one came after)
            print(f"{width_mm} mm ({dots} dots), {args.receipts} receipts:")
            print(f"  draw the receipt          {ms(drawing)}")
            print(f"  send it, status x2        {ms(sending)}")
            print(f"  floor: bare python-escpos {ms(floor)}")
            print(
                f"  {size:,} bytes a receipt: on a serial line "
                + ", ".join(f"{size * 10 / baud:.0f} s at {baud}" for baud in (9600, 19200, 115200))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
