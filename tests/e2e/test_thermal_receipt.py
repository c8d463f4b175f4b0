"""Receipts on a network ESC/POS printer: the kiosk's printing (kiosk/receipt_printing.py,
python-escpos underneath) talks real TCP to the printer emulator on 127.0.0.1, which
records the byte stream; the QR code in the printed raster is decoded by zxing-cpp."""

from __future__ import annotations

import pytest
import zxingcpp

from drivers.printer.errors import CoverOpen, PaperOut, PrinterOffline
from drivers.simulated.escpos_emulator import EscposPrinterEmulator, parse
from kiosk.config import KioskConfig
from kiosk.receipt_printing import ReceiptPrinter, printer_check
from kiosk.receipt_raster import render_receipt
from tests.helpers.receipts import STATUS_URL, TRACKING_NUMBER, decoded_qr_codes, sample_receipt

WIDTHS = {58: 384, 80: 576}


def no_page(receipt, target):
    raise AssertionError("an ESC/POS kiosk must not draw a page")


def thermal(tmp_path, printer: EscposPrinterEmulator, paper_width_mm: int = 80):
    """The kiosk's receipt printing on `printer`, and the staff alerts it raised."""
    config = KioskConfig(
        tmp_path,
        receipt_printer="escpos",
        escpos_url=printer.url,
        paper_width_mm=paper_width_mm,
    )
    alerts: list[str] = []
    return ReceiptPrinter(
        config, lambda message, detail: alerts.append(f"{message} {detail}")
    ), alerts


@pytest.fixture
def printer():
    with EscposPrinterEmulator() as emulator:
        yield emulator


@pytest.mark.parametrize("paper_width_mm", [58, 80])
def test_a_receipt_prints_as_one_raster_with_its_qr_code_and_a_cut(
    tmp_path, printer, paper_width_mm
):
    printing, alerts = thermal(tmp_path, printer, paper_width_mm)
    receipt = sample_receipt()
    assert printing.print(receipt, no_page) == "escpos"
    (job,) = printer.wait_for_jobs(1)

    assert job.stream.startswith(b"\x1b@")  # ESC @ before anything else
    names = [command.name for command in job.commands]
    assert names[0] == "init" and "setting" not in names and "text" not in names
    # Status asked before the job (DLE EOT 1, 2, 4) and after it; then the cut.
    assert names.index("raster") > names.index("status")
    assert names[names.index("raster") :].count("cut") == 1
    assert names.index("cut") > max(i for i, n in enumerate(names) if n == "raster")
    assert job.named("cut")[0].raw == b"\x1dV\x00"  # GS V 0: a full cut
    assert [c.value for c in job.named("status")] == [1, 2, 4, 1, 2, 4]

    width = WIDTHS[paper_width_mm]
    assert {raster.width_dots for raster in job.rasters} == {width}
    page = job.page()
    assert decoded_qr_codes(page) == [STATUS_URL]
    # The printed dots are the receipt as drawn, Chinese text and all (a raster works on
    # every printer: see kiosk/receipt_raster.py); that drawing is checked below.
    drawn = render_receipt(receipt, width)
    assert page.size == drawn.size
    assert page.convert("1").tobytes() == drawn.tobytes()
    assert alerts == []


def test_the_qr_check_fails_on_a_corrupted_raster(tmp_path, printer):
    printing, _ = thermal(tmp_path, printer)
    printing.print(sample_receipt(), no_page)
    (job,) = printer.wait_for_jobs(1)
    stream = bytes(job.stream)
    (found,) = zxingcpp.read_barcodes(job.page())
    assert found.text == STATUS_URL
    # The same stream with the middle half of the QR code's rows burnt black.
    top, bottom = found.position.top_left.y, found.position.bottom_left.y
    (raster,) = job.rasters
    row_bytes = raster.width_dots // 8
    first, rows = top + (bottom - top) // 4, (bottom - top) // 2
    start = stream.index(raster.bits) + first * row_bytes
    end = start + rows * row_bytes
    damaged = stream[:start] + b"\xff" * (end - start) + stream[end:]
    (damaged_raster,) = [c.value for c in parse(damaged) if c.name == "raster"]
    assert (damaged_raster.width_dots, damaged_raster.height) == (576, raster.height)
    assert STATUS_URL not in decoded_qr_codes(damaged_raster.image())


@pytest.mark.parametrize(
    ("state", "error", "said"),
    [("paper_out", PaperOut, "缺纸"), ("cover_open", CoverOpen, "盖没关")],
)
def test_paper_out_and_cover_open_stop_the_job_and_alert_staff(
    tmp_path, printer, state, error, said
):
    printer.set_state(state)
    printing, alerts = thermal(tmp_path, printer)
    with pytest.raises(error):
        printing.print(sample_receipt(), no_page)
    (job,) = printer.wait_for_jobs(1)
    assert [c.name for c in job.commands] == ["init", "status", "status", "status"]
    assert job.rasters == []  # nothing printed on a printer that cannot print it
    (alert,) = alerts
    assert said in alert and TRACKING_NUMBER not in alert


def test_an_offline_printer_is_reported_within_the_connect_timeout(tmp_path, printer):
    printer.set_state("offline")  # the port refuses connections
    printing, alerts = thermal(tmp_path, printer)
    with pytest.raises(PrinterOffline, match="cannot connect"):
        printing.print(sample_receipt(), no_page)
    assert printer.jobs == []
    (alert,) = alerts
    assert "连不上" in alert and printer.url in alert
    printer.set_state("ok")  # switched on again, on the same port
    printing.print(sample_receipt(), no_page)
    assert len(printer.wait_for_jobs(1)[0].rasters) == 1


def test_paper_that_runs_out_during_the_job_is_reported(tmp_path, printer):
    printer.set_state("paper_out", after_cut=True)
    printing, alerts = thermal(tmp_path, printer)
    with pytest.raises(PaperOut):
        printing.print(sample_receipt(), no_page)
    (job,) = printer.wait_for_jobs(1)
    assert len(job.rasters) == 1 and len(alerts) == 1


def test_a_printer_without_a_back_channel_still_prints(tmp_path, printer):
    printer.set_state("silent")  # never answers DLE EOT
    printing, alerts = thermal(tmp_path, printer)
    printing.print(sample_receipt(), no_page)
    (job,) = printer.wait_for_jobs(1)
    assert len(job.rasters) == 1 and job.named("cut")
    # Asked once, and not again after the job: the answer would not come either.
    assert [c.value for c in job.named("status")] == [1]
    assert alerts == []


@pytest.mark.parametrize(
    ("state", "ok", "said"),
    [("ok", True, "ready"), ("paper_low", True, "paper low"), ("paper_out", False, "out of paper")],
)
def test_doctor_asks_the_printer_without_printing(tmp_path, printer, state, ok, said):
    printer.set_state(state)
    config = KioskConfig(tmp_path, receipt_printer="escpos", escpos_url=printer.url)
    seen_ok, detail, fix = printer_check(config)
    assert (seen_ok, said in detail, bool(fix)) == (ok, True, not ok)
    (job,) = printer.wait_for_jobs(1)
    assert {c.name for c in job.commands} == {"status"}  # no ESC @, nothing printed
