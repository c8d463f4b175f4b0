"""Verifier mode in the real window (offscreen) with the real backend: the four answers as
colour + symbol + word, spoken; back to waiting when the card leaves or after 3 s; the next
card at once; the staff page's counts."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from drivers.pcsc.service import CardLeft
from kiosk.events import CardVerified
from kiosk.text import Text
from kiosk.voice import RecordingVoice
from tests.helpers.kiosk_ui import insert_card_event, make_window, open_staff, tap, text_of
from tests.helpers.verifier import VerifierBackend
from ui.main_window import VERIFIER_RESULT_MS
from ui.screens.verifier import COLOURS, VerifierScreen
from ui.theme import Theme, contrast_ratio
from ui.tour import ELDER, YOUNGER, make_identity

MANUAL = make_identity("张三", "11010119900307123")
ABSENT = make_identity("赵六", "11010119900307777")


@pytest.mark.parametrize(("high_contrast", "minimum"), [(False, 7.0), (True, 15.0)])
def test_every_result_colour_meets_its_contrast(high_contrast, minimum):
    ratios = {r: contrast_ratio(fg, bg) for r, (bg, fg) in COLOURS[high_contrast].items()}
    assert set(ratios) == {"pass", "manual", "deny", "unknown"}
    assert min(ratios.values()) >= minimum, ratios


@pytest.fixture
def backend(tmp_path):
    server = VerifierBackend(
        tmp_path / "backend",
        [(YOUNGER.id_number, "pass"), (MANUAL.id_number, "manual"), (ELDER.id_number, "deny")],
    ).start()
    yield server
    server.stop()


@pytest.fixture
def verifier_window(qtbot, tmp_path, backend):
    voice = RecordingVoice()
    core, window = make_window(
        qtbot, tmp_path / "kiosk", voice=voice, terminal_mode="verifier", **backend.kiosk_settings()
    )
    core.verifier.refresh_list()
    yield core, window, voice
    core.stop()


def drawn_in(pixmap, colour: str) -> bool:
    """Whether the pictogram's strokes are in `colour` (the result's text colour)."""
    image = pixmap.toImage()
    wanted = QColor(colour).rgb()
    return any(
        image.pixelColor(x, y).alpha() == 255 and image.pixelColor(x, y).rgb() == wanted
        for x in range(image.width())
        for y in range(image.height())
    )


def swipe(qtbot, core, window, person) -> float:
    """The monotonic time the answer was painted."""
    with qtbot.waitSignal(window.verifier_shown, timeout=5000) as shown:
        insert_card_event(core, person)
    return shown.args[1]


def test_the_four_answers_are_shown_and_spoken(qtbot, verifier_window):
    core, window, voice = verifier_window
    assert window.stack.currentWidget() is window.verifier
    assert text_of(window, "verifierStatus") == "请刷卡 / 请放身份证"
    assert window.verifier.pictogram.property("pictogramName") == "card"
    expected = [
        (YOUNGER, "pass", "通过", "#0F5132"),
        (MANUAL, "manual", "请人工核验", "#FFD43B"),
        (ELDER, "deny", "禁止通行", "#8B0000"),
        (ABSENT, "unknown", "无法核验 请人工核验", "#4A4A4A"),
    ]
    for person, result, word, colour in expected:
        swipe(qtbot, core, window, person)  # the next card replaces the last answer at once
        assert window.verifier.result == result
        assert text_of(window, "verifierStatus") == word
        assert colour in window.verifier.status.styleSheet()
        # Never colour alone: the result's own pictogram, drawn on the result's colour.
        pictogram = window.verifier.pictogram
        assert pictogram.property("pictogramName") == result
        assert colour in pictogram.styleSheet()
        assert drawn_in(pictogram.pixmap(), COLOURS[False][result][1])
        assert text_of(window, "verifierTitle") == "健康码核验"
        assert text_of(window, "verifierHolder") == person.masked_name()
        assert text_of(window, "verifierSource") == "在线核验"
        assert voice.texts[-1] == word + "。在线核验"
    spoken = " ".join(voice.texts)
    for person, *_ in expected:
        assert person.id_number not in spoken and person.name not in spoken
    # Each check in the usage log: its result and source, nothing of the card.
    assert core.usage.flush()
    checks = [row for row in core.usage.store.rows() if row["event"] == "verifier_check"]
    assert [(row["result"], row["source"]) for row in checks] == [
        (result, "online") for _, result, *_ in expected
    ]


def test_back_to_waiting_when_the_card_leaves_or_after_three_seconds(qtbot, verifier_window):
    core, window, _ = verifier_window
    shown_at = swipe(qtbot, core, window, YOUNGER)
    qtbot.waitUntil(lambda: window.verifier.result == "", timeout=VERIFIER_RESULT_MS + 2000)
    # Qt's coarse timers may fire up to 5 % early.
    assert time.monotonic() - shown_at >= 0.95 * VERIFIER_RESULT_MS / 1000
    swipe(qtbot, core, window, ELDER)
    core.present_card(CardLeft("Virtual PCD 00 00"))
    left_at = time.monotonic()
    qtbot.waitUntil(lambda: window.verifier.result == "", timeout=2000)
    assert time.monotonic() - left_at < VERIFIER_RESULT_MS / 1000 - 1
    assert text_of(window, "verifierHolder") == ""  # the name is gone with the answer


def test_offline_answers_say_so_with_the_lists_age(qtbot, verifier_window, backend):
    core, window, voice = verifier_window
    backend.stop()
    swipe(qtbot, core, window, ELDER)
    assert text_of(window, "verifierStatus") == "禁止通行"
    assert text_of(window, "verifierSource") == "离线核验 · 名单更新于0 分钟前"
    assert voice.texts[-1] == "禁止通行。离线核验 · 名单更新于0 分钟前"


def test_the_staff_page_counts_todays_checks_and_shows_the_list(qtbot, verifier_window):
    core, window, _ = verifier_window
    for person in (YOUNGER, YOUNGER, ELDER):
        swipe(qtbot, core, window, person)
    core.verifier.wait_idle()
    window.show_attract()
    open_staff(qtbot, window)
    tap(qtbot, window, "staff_tab_verifier")
    qtbot.waitUntil(lambda: text_of(window, "verified_pass") == "2", timeout=3000)
    assert text_of(window, "verified_deny") == "1" and text_of(window, "verified_online") == "3"
    assert "第 1 版,3 人" in text_of(window, "verifierList")
    assert text_of(window, "verifierClock") == "时钟:正常"


def answer(result: str, label: Text) -> CardVerified:
    return CardVerified(result, label, Text("健康码核验", "Health code"), "王*", "online",
                        None, 1, "")  # fmt: skip


@pytest.mark.parametrize(
    ("width", "height", "text_size", "doubled"),
    [(1920, 1080, "standard", True), (1024, 768, "extra_large", False)],
)
def test_the_word_is_as_large_as_the_screen_takes(qtbot, width, height, text_size, doubled):
    """Twice the huge size where it fits (read from across the room); smaller where it
    would not fit, never cut; the high-contrast colours after a theme change."""
    theme = Theme(text_size=text_size, dpi=85.0)
    screen = VerifierScreen(theme)
    qtbot.addWidget(screen)
    screen.resize(width, height)
    screen.show()
    word = Text("无法核验 请人工核验", "Cannot verify: please check by hand")
    screen.show_result(answer("unknown", word), "en")
    QApplication.processEvents()
    px = screen.status.font().pixelSize()
    assert (px == 2 * theme.huge_px) is doubled, (px, theme.huge_px)
    assert theme.huge_px <= px <= 2 * theme.huge_px
    room = screen.status.contentsRect()
    flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter
    needed = screen.status.fontMetrics().boundingRect(room, flags, screen.status.text())
    assert needed.height() <= room.height() and needed.width() <= room.width()

    screen.apply_theme(theme.with_(high_contrast=True))
    background, text = COLOURS[True]["unknown"]
    assert background in screen.status.styleSheet() and text in screen.status.styleSheet()
    assert background in screen.pictogram.styleSheet()
