"""The staff screen on the real window, real store and real backend."""

import datetime as dt
import time
import uuid

from drivers.pcsc.service import CardIdentified
from kiosk.tracking import tracking_number_maker
from tests.helpers import kiosk_ui
from tests.helpers.backend import free_port
from tests.helpers.cards import WANG_YAN
from tests.helpers.identities import identity_of
from tests.helpers.kiosk_ui import (
    STAFF_PIN,
    choose_service,
    enter_pin,
    open_staff,
    tap,
    tap_corner,
    text_of,
)


def make_window(qtbot, tmp_path, **overrides):
    return kiosk_ui.make_window(qtbot, tmp_path, **overrides)


def enqueue(core, count):
    for _ in range(count):
        core.queue.enqueue(
            idempotency_key=str(uuid.uuid4()),
            service_id="pension_qualification_certification",
            created_at=dt.datetime.now(dt.UTC),
            payload={"applicant": {"name": "王䶮"}},
            make_tracking_number=tracking_number_maker("0001"),
        )


def test_five_corner_taps_open_the_staff_screen_and_sync_now_drains_it(qtbot, tmp_path, backend):
    core, window = make_window(qtbot, tmp_path, backend_url=backend.url)
    enqueue(core, 120)
    tap_corner(qtbot, window, 4)
    assert window.stack.currentWidget() is window.attract
    tap_corner(qtbot, window, 1)
    assert window.stack.currentWidget() is window.staff
    enter_pin(qtbot, window, STAFF_PIN)
    qtbot.waitUntil(lambda: text_of(window, "count_pending") == "120", timeout=3000)
    assert "从未" in text_of(window, "lastSync")

    core.sync.start()
    try:
        tap(qtbot, window, "staff_sync_now")
        qtbot.waitUntil(lambda: text_of(window, "count_sent") == "120", timeout=15000)
        progress = window.staff.progress
        qtbot.waitUntil(lambda: progress.value() == progress.maximum() == 120, timeout=3000)
        assert text_of(window, "count_pending") == "0"
        assert "从未" not in text_of(window, "lastSync")
        assert len(backend.rows()) == 120
    finally:
        core.sync.stop()
    tap(qtbot, window, "staff_back")
    assert window.stack.currentWidget() is window.attract


def test_slow_corner_taps_do_not_open_it(qtbot, tmp_path, monkeypatch):
    core, window = make_window(qtbot, tmp_path)
    clock = iter(range(0, 100, 1))  # one second between taps: five taps span four seconds
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    tap_corner(qtbot, window, 5)
    assert window.stack.currentWidget() is window.attract


def test_a_full_queue_sends_the_villager_to_the_counter_and_alerts_staff(qtbot, tmp_path):
    core, window = make_window(
        qtbot, tmp_path, max_unsent_rows=1, backend_url=f"http://127.0.0.1:{free_port()}"
    )
    enqueue(core, 1)
    now = time.monotonic()
    # The card layer is exercised on real pcscd in tests/e2e; here the event is enough.
    core.present_card(CardIdentified("Virtual PCD 00 00", identity_of(*WANG_YAN), now, now, 9))
    choose_service(qtbot, window, "pension_certification")
    tap(qtbot, window, "answer_yes")
    tap(qtbot, window, "answer_yes")
    for digit in "13812345678":
        tap(qtbot, window, f"key_{digit}")
    tap(qtbot, window, "answer_next")
    tap(qtbot, window, "submit")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=3000)
    assert "请到窗口办理" in window.message.message.text()
    assert core.run is None
    assert core.queue.counts().pending == 1  # the earlier submission is untouched
    tap(qtbot, window, "message_ok")
    open_staff(qtbot, window)
    assert "离线队列已满" in text_of(window, "staffAlerts")


def test_a_wrong_kiosk_toml_value_is_named_on_the_staff_screen(qtbot, tmp_path):
    (tmp_path / "kiosk.toml").write_text('idle_timeout_s = "x"\nsync_interval_s = "sixty"\n')
    core, window = make_window(qtbot, tmp_path)
    core.start()
    try:
        qtbot.waitUntil(lambda: len(window.staff_alerts) >= 2, timeout=3000)
        shown = "\n".join(window.staff_alerts)
        assert 'idle_timeout_s = "x"' in shown and 'sync_interval_s = "sixty"' in shown
        assert core.sync.alive  # and the sync loop runs on the default interval
    finally:
        core.stop()
