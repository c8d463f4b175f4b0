"""An exception nobody caught, in a slot or a thread: staff are told, the villager gets a
message and the way home, never a dead screen."""

import threading

import pytest

from tests.helpers.kiosk_ui import choose_service, insert_card_event, make_window
from ui.crash_guard import CrashGuard
from ui.tour import ELDER


@pytest.fixture
def guarded(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    guard = CrashGuard(window)
    yield core, window
    guard.uninstall()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_leaves_the_villager_a_way_home(qtbot, guarded, caplog):
    core, window = guarded
    insert_card_event(core, ELDER)
    choose_service(qtbot, window, "pension_certification")

    def broken(_value):
        raise RuntimeError("a bug in a slot")

    window.step.answered.connect(broken)
    window.step.answered.emit(True)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=3000)
    assert "出了点问题" in window.message.findChild(object, "messageText").text()
    assert any("a bug in a slot" in alert for alert in window.staff_alerts)
    assert "Traceback" in caplog.text
    window.message.acknowledged.emit()
    assert window.stack.currentWidget() is window.home  # the card is still in: home


def test_an_exception_in_a_thread_reaches_staff(qtbot, guarded, caplog):
    core, window = guarded

    def broken():
        raise ValueError("a bug in a worker thread")

    worker = threading.Thread(target=broken, name="broken-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: any("broken-worker" in a for a in window.staff_alerts), timeout=3000)
    assert "a bug in a worker thread" in caplog.text and "Traceback" in caplog.text
