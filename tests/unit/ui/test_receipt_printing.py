"""打印回执 on a thermal printer, from the real window (offscreen): the print runs on the
background worker over real TCP to the ESC/POS emulator; a printer that cannot print
leaves the receipt on screen with a line saying why, and staff get an alert."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer

from drivers.simulated.escpos_emulator import EscposPrinterEmulator
from kiosk.config import KioskConfig
from kiosk.receipt_printing import PageTarget, ReceiptPrinter
from tests.helpers.enrolment import enrolled
from tests.helpers.kiosk_ui import insert_card_event, make_window, tap, text_of
from tests.helpers.receipts import decoded_qr_codes, sample_receipt
from ui.background import run_in_background
from ui.tour import make_identity


@pytest.fixture
def printer():
    with EscposPrinterEmulator() as emulator:
        yield emulator


def receipt_on_screen(qtbot, tmp_path, **settings):
    core, window = make_window(qtbot, tmp_path, **settings)
    insert_card_event(core, make_identity("陈秀英", "44010219440315242"))
    run = core.choose_service("pension_certification")
    for answer in (True, True, "13812345678"):
        run.answer(answer)
    outcome = core.finish(run)
    window.show_outcome(outcome)
    return core, window, outcome.receipt


@pytest.mark.parametrize(
    ("state", "villager_said", "staff_said"),
    [
        ("paper_out", "打印机没纸了", "缺纸"),
        ("cover_open", "打印机盖没关好", "盖没关"),
        ("offline", "打印机暂时不能用", "连不上"),
    ],
)
def test_a_printer_that_cannot_print_leaves_the_receipt_and_tells_both(
    qtbot, tmp_path, printer, state, villager_said, staff_said
):
    printer.set_state(state)
    core, window, receipt = receipt_on_screen(
        qtbot, tmp_path, receipt_printer="escpos", escpos_url=printer.url
    )
    tap(qtbot, window, "receipt_print")
    qtbot.waitUntil(lambda: villager_said in text_of(window, "printNote"), timeout=10_000)
    assert window.stack.currentWidget() is window.receipt  # the receipt stays
    assert window.receipt.receipt is receipt
    assert receipt.grouped_tracking_number in text_of(window, "trackingNumber")
    qtbot.waitUntil(lambda: any(staff_said in a for a in window.staff_alerts), timeout=3000)
    assert not any(receipt.tracking_number in alert for alert in window.staff_alerts)
    assert all(not job.rasters for job in printer.jobs)

    # Staff fix the printer; the villager taps again and gets the receipt.
    printer.set_state("ok")
    assert "再次打印" in window.receipt.print_button.text()
    tap(qtbot, window, "receipt_print")
    qtbot.waitUntil(lambda: "已打印" in window.receipt.print_button.text(), timeout=10_000)
    assert text_of(window, "printNote") == ""
    printed = [job for job in printer.wait_for_jobs(len(printer.jobs)) if job.rasters]
    assert len(printed) == 1 and decoded_qr_codes(printed[0].page()) == [receipt.status_url]


def test_printing_never_blocks_the_window(qtbot, tmp_path, printer):
    # A printer that never answers its status: the job waits a second on the worker.
    printer.set_state("silent")
    core, window, receipt = receipt_on_screen(
        qtbot, tmp_path, receipt_printer="escpos", escpos_url=printer.url, paper_width_mm=58
    )
    ticks: list[bool] = []  # each turn of the GUI's event loop: is a job open on the printer?
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(any(not job.closed for job in printer.jobs)))
    timer.start(20)
    tap(qtbot, window, "receipt_print")
    qtbot.waitUntil(lambda: "已打印" in window.receipt.print_button.text(), timeout=10_000)
    timer.stop()
    # The GUI thread kept turning while the job was open on the printer.
    assert ticks.count(True) > 10
    (job,) = printer.wait_for_jobs(1)
    assert {raster.width_dots for raster in job.rasters} == {384}


def test_a_kiosk_without_a_printer_offers_no_print_button(qtbot, tmp_path):
    core, window, receipt = receipt_on_screen(qtbot, tmp_path, receipt_printer="none")
    assert not window.receipt.print_button.isVisible()
    assert window.receipt.done_button.isVisible()


@pytest.mark.parametrize("mode", ["pdf", "cups"])
def test_pdf_mode_never_prints_to_a_named_queue(tmp_path, mode):
    """receipt_printer = "pdf" with a printer_name left from a CUPS set-up: files only."""
    config = KioskConfig.load(
        tmp_path, **enrolled(tmp_path, receipt_printer=mode, printer_name="office")
    )
    targets: list[PageTarget] = []

    def record(_receipt, target: PageTarget) -> str:
        targets.append(target)
        return "recorded"

    ReceiptPrinter(config, lambda message, detail: None).print(sample_receipt(), record)
    expected = ("", tmp_path / "receipts") if mode == "pdf" else ("office", None)
    assert (targets[0].printer_name, targets[0].pdf_dir) == expected


def test_a_slow_print_does_not_hold_up_the_store_work(qtbot, tmp_path, printer):
    """The next villager's submission runs on the store's worker: a printer that takes
    its time (a minute at 9600 baud) must not stand in front of it."""
    printer.set_state("silent")
    core, window, receipt = receipt_on_screen(
        qtbot, tmp_path, receipt_printer="escpos", escpos_url=printer.url, paper_width_mm=58
    )
    tap(qtbot, window, "receipt_print")
    qtbot.waitUntil(lambda: any(not job.closed for job in printer.jobs), timeout=5000)
    finished: list[bool] = []
    # While the job is open on the printer, the store's lane takes and finishes work.
    run_in_background(lambda: core.queue.counts(), lambda _counts: finished.append(True))
    qtbot.waitUntil(lambda: finished == [True], timeout=5000)
    assert any(not job.closed for job in printer.jobs)
    qtbot.waitUntil(lambda: "已打印" in window.receipt.print_button.text(), timeout=10_000)
