"""The kiosk boots and tells the villager plainly when pcscd or the reader is missing, and
recovers by itself when they come back."""

from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from tests.helpers.cards import WANG_YAN
from ui.main_window import KioskWindow


def attract_text(window: KioskWindow) -> str:
    return window.attract.message.text()


def test_no_pcscd_then_no_reader_then_ready_without_restarting(qtbot, tmp_path, pcscd, card_slots):
    pcscd.stop()
    core = KioskCore(KioskConfig.load(tmp_path, backend_url="http://127.0.0.1:9"))
    window = KioskWindow(core)
    qtbot.addWidget(window)
    window.show()
    core.start()
    try:
        qtbot.waitUntil(lambda: "读卡服务未运行" in attract_text(window), timeout=5000)
        assert window.stack.currentWidget() is window.attract

        pcscd.start_without_readers()
        qtbot.waitUntil(lambda: "未连接读卡器" in attract_text(window), timeout=5000)
        assert "no reader" in window.attract.staff_detail.text()

        pcscd.stop()
        pcscd.ensure_running()
        qtbot.waitUntil(lambda: "请插入社保卡" in attract_text(window), timeout=5000)
        card_slots.insert(*WANG_YAN)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
    finally:
        core.stop()
