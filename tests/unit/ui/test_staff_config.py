"""Staff configuration through the real staff screen: PIN, services, settings, catalog."""

import datetime as dt
import json

from PySide6.QtWidgets import QPushButton

from kiosk.catalog import shipped_catalog_text
from tests.helpers.backend import BackendProcess
from tests.helpers.kiosk_ui import (
    STAFF_PIN,
    enter_pin,
    insert_card_event,
    make_window,
    open_staff,
    tap,
    tap_corner,
    text_of,
)
from ui.tour import make_identity


def audit_actions(core) -> list[str]:
    return [action for _, action, _ in reversed(core.audit.entries(200))]


def menu_ids(window) -> list[str]:
    return window.home.menu_ids()


def test_disabling_and_reordering_services_changes_the_home_screen(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    open_staff(qtbot, window)
    tap(qtbot, window, "staff_tab_services")
    tap(qtbot, window, "toggle_medical_insurance_query")  # off
    tap(qtbot, window, "staff_services_next")  # five services to a page
    tap(qtbot, window, "toggle_hotline_12345")  # off
    tap(qtbot, window, "staff_services_previous")
    for _ in range(3):
        tap(qtbot, window, "up_senior_allowance")  # from 4th to 1st
    tap(qtbot, window, "staff_back")

    insert_card_event(core, make_identity("陈秀英", "44010219440315242"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    shown = menu_ids(window)
    assert shown[0] == "senior_allowance"
    assert "medical_insurance_query" not in shown and "hotline_12345" not in shown
    first_page = [
        b.objectName()
        for b in window.home.findChildren(QPushButton)
        if b.objectName().startswith("service_") and b.isVisibleTo(window.home)
    ]
    assert first_page[0] == "service_senior_allowance"
    actions = audit_actions(core)
    assert actions.count("set_disabled_services") == 2
    assert actions.count("set_service_order") == 3
    assert actions[0] == "pin_set" and "login" in actions and "logout" in actions


def test_five_wrong_pins_lock_the_staff_screen(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    tap_corner(qtbot, window, 5)
    for attempt in range(5):
        enter_pin(qtbot, window, "1111")
        qtbot.waitUntil(lambda: text_of(window, "pinMessage") != "", timeout=3000)
        message = text_of(window, "pinMessage")
        if attempt < 4:
            assert f"还可以试 {4 - attempt} 次" in message
            window.staff.pin_page.message.clear()
    assert "已锁定" in text_of(window, "pinMessage") and "5 分钟" in text_of(window, "pinMessage")
    window.staff.pin_page.message.clear()
    enter_pin(qtbot, window, STAFF_PIN)  # the right PIN, but locked
    qtbot.waitUntil(lambda: text_of(window, "pinMessage") != "", timeout=3000)
    assert "已锁定" in text_of(window, "pinMessage")
    assert not window.staff.unlocked
    assert "●" not in text_of(window, "pinDots")  # cleared after each try
    assert audit_actions(core).count("login_failed") == 5
    assert audit_actions(core)[-1] == "login_refused_locked"


def test_the_staff_screen_is_never_shown_over_a_villagers_session(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    insert_card_event(core, make_identity("陈秀英", "44010219440315242"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    window.show_staff()
    assert window.stack.currentWidget() is window.home


def test_settings_change_mode_text_size_language_and_idle_timeout(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    open_staff(qtbot, window)
    tap(qtbot, window, "staff_tab_terminal")
    body_before = window.theme.body_px
    tap(qtbot, window, "setting_text_size_extra_large")
    assert window.theme.body_px > body_before and core.settings.text_size == "extra_large"
    tap(qtbot, window, "setting_idle_timeout_s_120")
    assert core.settings.idle_timeout_s(90) == 120
    tap(qtbot, window, "setting_language_yue")
    assert window.speech_language == "yue" and window.language == "zh"
    tap(qtbot, window, "setting_high_contrast_True")
    assert window.theme.high_contrast
    tap(qtbot, window, "setting_terminal_mode_verifier")
    tap(qtbot, window, "staff_back")
    assert window.stack.currentWidget() is window.verifier
    assert {
        "set_text_size",
        "set_idle_timeout_s",
        "set_language",
        "set_high_contrast",
        "set_terminal_mode",
    } <= set(audit_actions(core))


def test_a_79_year_old_is_told_on_screen_when_they_can_apply(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    today = dt.date.today()
    born = today.replace(year=today.year - 80) + dt.timedelta(days=30)
    stem = f"440102{born:%Y%m%d}242"
    insert_card_event(core, make_identity("陈秀英", stem))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    from tests.helpers.kiosk_ui import choose_service

    choose_service(qtbot, window, "senior_allowance")
    assert window.stack.currentWidget() is window.message
    eightieth = born.replace(year=born.year + 80)
    text = text_of(window, "messageText")
    assert "80 周岁" in text and f"{eightieth.year}年{eightieth.month}月{eightieth.day}日" in text
    tap(qtbot, window, "message_ok")
    assert window.stack.currentWidget() is window.home  # the card is still in: other services


def test_pulling_the_catalog_uses_etags_and_refuses_a_broken_one(qtbot, tmp_path):
    smaller = json.loads(shipped_catalog_text())
    smaller["catalog_version"] = 9
    smaller["services"] = smaller["services"][:4]
    good = tmp_path / "good.json"
    good.write_text(json.dumps(smaller, ensure_ascii=False), encoding="utf-8")
    server = BackendProcess(tmp_path / "backend.db", None, "--catalog", str(good))
    server.start()
    try:
        core, window = make_window(qtbot, tmp_path / "kiosk", backend_url=server.url)
        assert core.pull_catalog() == "installed"
        assert core.catalog.catalog_version == 9 and len(core.menu()) == 4
        assert core.pull_catalog() == "unchanged"  # If-None-Match -> 304

        smaller["services"][0]["steps"][0]["kind"] = "hologram"
        smaller["catalog_version"] = 10
        good.write_text(json.dumps(smaller, ensure_ascii=False), encoding="utf-8")
        open_staff(qtbot, window)
        tap(qtbot, window, "staff_tab_services")
        tap(qtbot, window, "staff_pull_catalog")
        qtbot.waitUntil(lambda: "refused" in text_of(window, "catalogStatus"), timeout=5000)
        assert "hologram" in text_of(window, "catalogStatus")
        assert core.catalog.catalog_version == 9 and len(core.menu()) == 4  # the last good
        actions = audit_actions(core)
        assert actions.count("catalog_installed") == 1 and "catalog_refused" in actions
    finally:
        server.stop()


def test_call_staff_reaches_the_staff_screen_and_the_audit_log(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    tap(qtbot, window, "nav_call_staff")
    assert window.notice.isVisible() and "工作人员" in window.notice.text()
    open_staff(qtbot, window)
    assert "请求帮助" in text_of(window, "staffAlerts")
    assert "staff_called" in audit_actions(core)


def test_the_receipt_prints_to_pdf_when_there_is_no_printer(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    villager = make_identity("陈秀英", "44010219440315242")
    insert_card_event(core, villager)
    run = core.choose_service("pension_certification")
    for answer in (True, True, "13812345678"):
        run.answer(answer)
    outcome = core.finish(run)
    receipt = outcome.receipt
    window.show_outcome(outcome)
    tap(qtbot, window, "receipt_print")
    qtbot.waitUntil(lambda: "已打印" in window.receipt.print_button.text(), timeout=5000)
    pdf = tmp_path / "receipts" / f"receipt-{receipt.tracking_number}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
    assert "已打印" in window.receipt.print_button.text()
    body = pdf.read_bytes()
    assert villager.id_number.encode() not in body and b"13812345678" not in body
