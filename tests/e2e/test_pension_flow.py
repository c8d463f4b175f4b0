"""A villager certifies their pension: emulated card on real pcscd + vpcd, the real window
tapped with pytest-qt, the real backend over HTTP."""

import json

import pytest
from PySide6.QtWidgets import QLabel

from drivers.simulated.sam_card import sam_card
from kiosk.catalog import shipped_catalog_text
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.voice import RecordingVoice
from tests.helpers.backend import BackendProcess, free_port
from tests.helpers.cards import CHEN_XIUYING, WANG_YAN
from tests.helpers.enrolment import enrolled
from tests.helpers.kiosk_ui import choose_service, tap, visible_text
from ui.main_window import KioskWindow

PHONE = "13812345678"


@pytest.fixture
def make_kiosk(qtbot, tmp_path, pcscd):
    started = []

    def make(backend_url: str, **settings) -> KioskWindow:
        config = KioskConfig.load(
            tmp_path / "kiosk",
            **enrolled(
                tmp_path / "kiosk",
                backend_url=backend_url,
                retry_base_s=0.2,
                retry_cap_s=1.0,
                sync_interval_s=1.0,
                **settings,
            ),
        )
        core = KioskCore(config)
        window = KioskWindow(core, voice=RecordingVoice())
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        core.start()
        started.append(core)
        qtbot.waitUntil(
            lambda: core.reader_status is not None and core.reader_status.state == "ready",
            timeout=5000,
        )
        return window

    yield make
    for core in started:
        core.stop()


def walk_to_receipt(qtbot, window: KioskWindow, holder: tuple[str, str] = WANG_YAN) -> str:
    choose_service(qtbot, window, "pension_certification")
    greeting = window.findChild(QLabel, "greeting")
    assert greeting.text() == f"姓名:{holder[0]}"
    assert window.findChild(QLabel, "maskedId").text().endswith(holder[1][-4:])
    assert holder[1] not in visible_text(window)  # full ID number never on screen
    tap(qtbot, window, "answer_yes")  # it is me
    assert window.step.step_indicator.text() == "第 2 步 / 共 4 步"
    tap(qtbot, window, "answer_yes")  # I am alive and declare truthfully
    for digit in PHONE:
        tap(qtbot, window, f"key_{digit}")
    tap(qtbot, window, "answer_next")
    summary = [label.text() for label in window.findChildren(QLabel, "summaryLine")]
    assert any("138****5678" in line for line in summary)
    tap(qtbot, window, "submit")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.receipt, timeout=5000)
    assert window.receipt.qr._matrix, "the receipt shows a QR code"
    return window.receipt.receipt.tracking_number


def test_card_to_backend_with_the_backend_up(qtbot, make_kiosk, card_slots, backend):
    window = make_kiosk(backend.url)
    card_slots.insert(*WANG_YAN)
    tracking_number = walk_to_receipt(qtbot, window)

    qtbot.waitUntil(lambda: backend.status(tracking_number) is not None, timeout=10000)
    qtbot.waitUntil(lambda: "已上报" in window.receipt.sync_state.text(), timeout=5000)
    rows = backend.rows()
    assert len(rows) == 1
    payload = json.loads(rows[0][2])["payload"]
    assert payload["applicant"]["name"] == WANG_YAN[0]
    assert payload["applicant"]["id_number"] == WANG_YAN[1]
    assert payload["answers"] == {"alive_declaration": True, "contact_phone": PHONE}

    card_slots.remove()  # as the receipt asks: the receipt stays, the session goes
    qtbot.waitUntil(lambda: window.core.session is None, timeout=5000)
    assert window.stack.currentWidget() is window.receipt
    text = visible_text(window)
    assert WANG_YAN[0] not in text and WANG_YAN[1][-4:] not in text and "5678" not in text
    tap(qtbot, window, "receipt_done")
    tap(qtbot, window, "rating_skip")
    tap(qtbot, window, "message_ok")
    assert window.stack.currentWidget() is window.attract


def test_a_resident_id_card_does_what_the_social_security_card_does(
    qtbot, make_kiosk, sam_reader, backend
):
    """Issue 12: the same pension flow from a 居民身份证 laid on the SAM reader, with the
    PC/SC reader running beside it."""
    window = make_kiosk(backend.url, id_card_port=str(sam_reader.port))

    # Once both readers answer (in either order), the villager is told both cards will do.
    def both_cards_invited() -> bool:
        invitation = window.core.reader_status.message.zh
        return "身份证" in invitation and "社保卡" in invitation

    qtbot.waitUntil(both_cards_invited, timeout=5000)
    name, number = CHEN_XIUYING
    sam_reader.place(sam_card("resident-id", name, number))
    tracking_number = walk_to_receipt(qtbot, window, CHEN_XIUYING)

    qtbot.waitUntil(lambda: backend.status(tracking_number) is not None, timeout=10000)
    applicant = json.loads(backend.rows()[0][2])["payload"]["applicant"]
    assert (applicant["name"], applicant["id_number"]) == CHEN_XIUYING
    assert applicant["card_kind"] == "resident_id"

    sam_reader.lift()  # lifting the card ends the session, as pulling a card does
    qtbot.waitUntil(lambda: window.core.session is None, timeout=5000)
    text = visible_text(window)
    assert name not in text and number[-4:] not in text


def test_a_service_on_the_social_security_card_itself_says_so_to_an_id_card(
    qtbot, make_kiosk, sam_reader, backend, tmp_path
):
    catalog = json.loads(shipped_catalog_text())
    for service in catalog["services"]:
        if service["id"] == "social_security_card_service":
            service["needs_card"] = "social_security"
    window = make_kiosk(backend.url, id_card_port=str(sam_reader.port))
    window.core.install_catalog(json.dumps(catalog, ensure_ascii=False))
    window.core.staff.set_service_enabled("social_security_card_service", True)
    sam_reader.place(sam_card("resident-id", *CHEN_XIUYING))
    choose_service(qtbot, window, "social_security_card_service")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=5000)
    assert "社保卡本身" in window.message.message.text()
    assert window.core.run is None  # nothing started


def test_backend_down_then_up_arrives_exactly_once(qtbot, make_kiosk, card_slots, tmp_path):
    backend = BackendProcess(tmp_path / "late-backend.db", port=free_port())
    window = make_kiosk(backend.url)  # nothing listens there yet
    card_slots.insert(*WANG_YAN)
    tracking_number = walk_to_receipt(qtbot, window)
    queue = window.core.queue
    qtbot.waitUntil(lambda: queue.counts().failed == 1, timeout=5000)
    assert "联网后自动上报" in window.receipt.sync_state.text()
    assert queue.state_of(tracking_number) == "failed"

    backend.start()
    try:
        qtbot.waitUntil(lambda: queue.state_of(tracking_number) == "sent", timeout=15000)
        window.core.sync.sync_once(force=True)  # staff's "sync now" on top: still once
        assert [row[1] for row in backend.rows()] == [tracking_number]
        assert backend.status(tracking_number)["status"] == "received"
    finally:
        backend.stop()


def test_pulling_the_card_mid_flow_wipes_the_session(qtbot, make_kiosk, card_slots, backend):
    window = make_kiosk(backend.url)
    card_slots.insert(*WANG_YAN)
    choose_service(qtbot, window, "pension_certification")
    tap(qtbot, window, "answer_yes")
    tap(qtbot, window, "answer_yes")
    for digit in PHONE[:6]:
        tap(qtbot, window, f"key_{digit}")
    session = window.core.session

    card_slots.remove()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.attract, timeout=5000)
    assert session.identity is None and session.answers == {}
    assert window.core.session is None
    text = visible_text(window)
    assert WANG_YAN[0] not in text and "138 123" not in text
    assert window.core.queue.counts().pending == 0
    assert backend.rows() == []


def test_saying_not_me_ends_the_session_with_a_message(qtbot, make_kiosk, card_slots, backend):
    window = make_kiosk(backend.url)
    card_slots.insert(*WANG_YAN)
    choose_service(qtbot, window, "pension_certification")
    tap(qtbot, window, "answer_no")
    assert window.stack.currentWidget() is window.message
    assert "本人" in window.message.message.text()
    assert window.core.session is None
    assert WANG_YAN[0] not in visible_text(window)


def test_a_card_with_a_bad_check_digit_is_refused_on_screen(qtbot, make_kiosk, card_slots, backend):
    window = make_kiosk(backend.url)
    number = WANG_YAN[1]
    card_slots.insert(WANG_YAN[0], number[:17] + ("0" if number[17] != "0" else "1"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=5000)
    assert "卡内信息有误" in window.message.message.text()
    assert "check digit" in window.message.detail.text()  # the detail, for staff
    assert window.core.session is None
    card_slots.remove()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.attract, timeout=5000)
