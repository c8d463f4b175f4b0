"""Every reader and card fault on real pcscd + vpcd, with our emulated card misbehaving."""

import queue
import time

import pytest
from PySide6.QtCore import QTimer

from drivers.errors import CardRemoved
from drivers.pcsc.service import (
    CardFailed,
    CardIdentified,
    CardInserted,
    CardLeft,
    CardReaderService,
    ReadersChanged,
)
from drivers.simulated.card_faults import CardFaults, FaultyCard, faulty_card
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.ssc_profile import SocialSecurityCardProfile
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from tests.helpers.cards import CHEN_XIUYING, WANG_YAN
from ui.main_window import KioskWindow

APDUS_PER_READ = 9


class EventLog:
    def __init__(self):
        self.events = queue.Queue()

    def __call__(self, event):
        self.events.put(event)

    def next(self, kind, timeout=5.0, reader=None):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {kind.__name__} within {timeout} s"
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if isinstance(event, kind) and (reader is None or event.reader == reader):
                return event


@pytest.fixture
def service(pcscd):
    log = EventLog()
    reader_service = CardReaderService(SocialSecurityCardProfile(), log, read_timeout_s=3.0)
    reader_service.start()
    log.next(ReadersChanged)
    yield log
    reader_service.stop()


def test_a_card_pulled_at_every_apdu_of_a_read_is_reported_as_removed(service, card_slots):
    for k in range(1, APDUS_PER_READ + 1):
        card = FaultyCard(
            EmulatedSocialSecurityCard(SocialSecurityCardData(*WANG_YAN)),
            CardFaults(remove_at_apdu=k),
        )
        card_slots.insert("", "", card=card)
        failed = service.next(CardFailed)
        assert isinstance(failed.error, CardRemoved), f"APDU {k}: {failed.error!r}"
        service.next(CardLeft)
        card_slots.remove_all_and_wait()
    card_slots.insert(*WANG_YAN)  # and the next card reads normally
    assert service.next(CardIdentified).identity.name == WANG_YAN[0]


@pytest.mark.parametrize(
    ("profile", "kind"),
    [
        ("foreign", "unsupported_card"),
        ("bad-check-digit", "bad_card_data"),
        ("bad-tlv", "bad_card_data"),
        ("bad-length", "bad_card_data"),
        ("bad-date", "bad_card_data"),
    ],
)
def test_faulty_cards_are_told_apart(service, card_slots, profile, kind):
    card_slots.insert("", "", card=faulty_card(*WANG_YAN, profile))
    assert service.next(CardFailed).error.kind == kind


@pytest.mark.parametrize(("profile", "apdus"), [("t0", 15), ("pin", 11), ("slow", 9)])
def test_awkward_but_good_cards_are_read(service, card_slots, profile, apdus):
    card_slots.insert("", "", card=faulty_card(*CHEN_XIUYING, profile, delay_ms=50))
    identified = service.next(CardIdentified)
    assert identified.identity.name == CHEN_XIUYING[0]
    assert identified.apdus_sent == apdus


def test_pcscd_stopping_and_starting_is_noticed_within_two_seconds(service, pcscd, card_slots):
    stopped_at = time.monotonic()
    pcscd.stop()
    state = service.next(ReadersChanged)
    assert state.state == "pcsc_unavailable"
    assert time.monotonic() - stopped_at <= 2.0
    started_at = time.monotonic()
    pcscd.ensure_running()
    assert service.next(ReadersChanged, timeout=5).state == "ready"
    assert time.monotonic() - started_at <= 2.0
    card_slots.insert(*WANG_YAN)
    assert service.next(CardIdentified).identity.name == WANG_YAN[0]


def test_readers_disappearing_and_reappearing(service, pcscd, card_slots):
    pcscd.start_without_readers()
    seen = [service.next(ReadersChanged, timeout=5).state for _ in range(2)]
    assert seen[-1] == "no_reader"
    pcscd.stop()
    pcscd.ensure_running()
    deadline = time.monotonic() + 5
    while service.next(ReadersChanged, timeout=5).state != "ready":
        assert time.monotonic() < deadline
    card_slots.insert(*WANG_YAN, reader=1)
    assert service.next(CardIdentified).reader == "Virtual PCD 00 01"


def make_window(qtbot, tmp_path):
    core = KioskCore(KioskConfig.load(tmp_path, backend_url="http://127.0.0.1:9"))
    window = KioskWindow(core)
    qtbot.addWidget(window)
    window.show()
    core.start()
    qtbot.waitUntil(
        lambda: core.reader_status is not None and core.reader_status.state == "ready",
        timeout=5000,
    )
    return core, window


def test_a_hung_card_never_freezes_the_gui_and_the_kiosk_recovers(qtbot, tmp_path, card_slots):
    core, window = make_window(qtbot, tmp_path)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    try:
        inserted_at = time.monotonic()
        card_slots.insert("", "", card=faulty_card(*WANG_YAN, "hang", at_apdu=3))
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=6000)
        assert "卡没有响应" in window.message.message.text()
        assert 2.9 <= time.monotonic() - inserted_at <= 4.5  # the 3 s timeout, plus polling
        during = [t for t in ticks if t > inserted_at]
        assert len(during) >= 40, "the GUI thread stopped ticking while the card hung"
        gaps = [b - a for a, b in zip(during, during[1:], strict=False)]
        assert max(gaps) < 0.5

        card_slots.remove_all_and_wait()
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.attract, timeout=5000)
        card_slots.insert(*WANG_YAN)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
        assert window.core.session.identity.name == WANG_YAN[0]
    finally:
        timer.stop()
        core.stop()


def test_a_second_card_waits_for_the_first_and_is_then_read(qtbot, tmp_path, card_slots):
    core, window = make_window(qtbot, tmp_path)
    try:
        card_slots.insert(*WANG_YAN, reader=1)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
        card_slots.insert(*CHEN_XIUYING, reader=0)
        qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=5000)
        assert "取回那张卡" in window.notice.text()
        assert core.session.identity.name == WANG_YAN[0]
        card_slots.remove(0)  # the second card taken away again: forgotten
        qtbot.wait(800)  # one presence poll of pcscd
        assert core.session is not None and window.stack.currentWidget() is window.home
        card_slots.remove(1)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.attract, timeout=5000)
        assert core.session is None

        card_slots.insert(*WANG_YAN, reader=1)
        qtbot.waitUntil(lambda: core.session is not None, timeout=5000)
        card_slots.insert(*CHEN_XIUYING, reader=0)
        qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=5000)
        card_slots.remove(1)  # the first card leaves: the waiting one is read at once
        qtbot.waitUntil(
            lambda: core.session is not None and core.session.identity.name == CHEN_XIUYING[0],
            timeout=5000,
        )
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
    finally:
        core.stop()


def test_the_reading_state_is_shown_while_a_slow_card_is_read(qtbot, tmp_path, card_slots):
    core, window = make_window(qtbot, tmp_path)
    try:
        card_slots.insert("", "", card=faulty_card(*WANG_YAN, "slow", delay_ms=150))
        qtbot.waitUntil(lambda: "正在读卡" in window.attract.message.text(), timeout=5000)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
    finally:
        core.stop()


def test_inserted_event_precedes_identity(service, card_slots):
    card_slots.insert(*WANG_YAN)
    inserted = service.next(CardInserted)
    identified = service.next(CardIdentified)
    assert inserted.detected_at == identified.detected_at
