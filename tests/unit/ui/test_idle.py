"""Idle: a warning with a countdown and one big button, then the session is wiped."""

from tests.helpers.kiosk_ui import (
    choose_service,
    insert_card_event,
    make_window,
    tap,
    text_of,
)
from ui.tour import ELDER


def test_idle_warns_with_a_countdown_continue_keeps_the_answers_then_it_wipes(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    # Shorter than any kiosk.toml may set (30 s minimum): the staff setting, patched.
    core.idle_timeout_s = lambda: 0.4
    window.idle_countdown_s = 2  # the shipped countdown is 30 s (tested in test_accessibility)
    insert_card_event(core, ELDER)
    choose_service(qtbot, window, "pension_certification")
    tap(qtbot, window, "answer_yes")
    tap(qtbot, window, "answer_yes")
    for digit in "1381":
        tap(qtbot, window, f"key_{digit}")

    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.idle, timeout=3000)
    assert "秒后将退出" in text_of(window, "idleCountdown")
    assert "继续办理" in window.idle.resume_button.text()
    tap(qtbot, window, "idle_resume")
    assert window.stack.currentWidget() is window.step
    assert window.step.keypad.digits == "1381" and core.session is not None

    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.idle, timeout=3000)
    qtbot.waitUntil(lambda: core.session is None, timeout=5000)
    assert window.stack.currentWidget() is window.message
    assert "无操作" in text_of(window, "messageText")
    assert window.step.keypad is None


def test_taps_keep_the_session_alive_and_the_attract_screen_never_times_out(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    # Shorter than any kiosk.toml may set (30 s minimum): the staff setting, patched.
    core.idle_timeout_s = lambda: 0.6
    window.idle_countdown_s = 2
    qtbot.wait(900)
    assert window.stack.currentWidget() is window.attract
    insert_card_event(core, ELDER)
    choose_service(qtbot, window, "hotline_12345")
    for _ in range(4):  # a tap every 0.3 s for 1.2 s: longer than the timeout, never idle
        qtbot.wait(300)
        tap(qtbot, window, "nav_repeat")
        assert window.stack.currentWidget() is window.step
