"""Issue 13: every stop of the tour, in every text size, on every common kiosk screen,
measured on the real widgets: every control wholly on screen, >= 15 mm and >= 3 mm apart
at that screen's DPI, none overlapping, no text needing more room than its widget gives
(QFontMetrics on the widget's own font). The DPIs are those of the panels sold at each
resolution for kiosks (accessibility.md): sizes on screen are physical."""

import time
import tracemalloc

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScroller

from tests.helpers.kiosk_ui import insert_card_event, make_window
from ui import overflow_guard
from ui.layout_audit import audit, cut_widgets
from ui.screen_fit import choose_dpi, reported_dpi
from ui.theme import DEFAULT_DPI, TEXT_SIZES_MM, Theme
from ui.tour import ELDER, run_tour, tour

SCREENS = {
    (1024, 768): 85.0,  # 15" 4:3
    (1280, 800): 98.0,  # 15.4" 16:10
    (1366, 768): 85.0,  # 18.5", the cheap kiosk panel
    (1920, 1080): 102.0,  # 21.5" desk kiosk
    (2560, 1440): 109.0,  # 27"
    (1080, 1920): 102.0,  # 21.5" portrait, floor-standing
    (768, 1366): 85.0,  # 18.5" portrait
}


def cases():
    for size, dpi in SCREENS.items():
        for text_size in TEXT_SIZES_MM:
            yield pytest.param(size, dpi, text_size, id=f"{size[0]}x{size[1]}-{text_size}")


@pytest.mark.parametrize("size, dpi, text_size", list(cases()))
def test_every_stop_fits_the_screen(qtbot, tmp_path, size, dpi, text_size):
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.apply_theme(Theme(text_size=text_size))
    window.fit_to(*size, dpi)
    problems: list[str] = []
    scrolled: list[str] = []

    def measure(stop: str) -> None:
        if window.size() != QSize(*size):
            problems.append(f"{stop}: window {window.size().toTuple()} on a {size} screen")
        problems.extend(audit(window, window.theme, stop))
        scroller = getattr(window.stack.currentWidget(), "scroller", None)
        if scroller is not None and scroller.scrolls:
            scrolled.append(stop)
            if not scroller.cue.isVisible():
                problems.append(f"{stop}: scrolls with no cue")

    stops = run_tour(window, QApplication.instance(), measure)
    assert len(stops) >= 55
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:25])
    # Scrolling is the last resort, not the layout: no villager screen scrolls at the
    # standard text size on any of these screens (staff pages hold lists that grow).
    if text_size == "standard":
        assert not [stop for stop in scrolled if not stop.startswith("staff")], scrolled


def test_the_check_finds_a_clipped_label_and_a_squeezed_button(qtbot, tmp_path):
    """The measurement above must be able to fail."""
    core, window = make_window(qtbot, tmp_path)
    window.fit_to(1366, 768, 85)
    assert audit(window, window.theme, "attract") == []
    clipped = window.attract.message
    clipped.setWordWrap(False)
    clipped.setText("请插入社保卡或放上身份证,然后按屏幕提示办理业务")
    clipped.setFixedWidth(200)
    button = window.attract.language_buttons["en"]
    button.setFixedWidth(40)
    QApplication.processEvents()
    found = "\n".join(audit(window, window.theme, "attract"))
    assert "attractMessage: text needs" in found
    assert "language_en" in found  # too narrow for its text and for a finger
    assert cut_widgets(window, window.attract)  # what staff are alerted with


def test_the_check_finds_a_control_off_the_screen(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    window.fit_to(1366, 768, 85)
    window.attract.language_buttons["zh"].move(1300, 700)
    found = "\n".join(audit(window, window.theme, "attract"))
    assert "language_zh: not wholly on screen" in found


def test_eleven_services_on_one_page_at_1920x1080_standard(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    window.fit_to(1920, 1080, 102)
    insert_card_event(core, ELDER)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    tiles = [
        b
        for b in window.home.findChildren(QAbstractButton)
        if b.isVisible() and b.objectName().startswith("service_")
    ]
    assert len(core.menu()) == 11 and len(tiles) == 11
    assert not window.home.next_page.isVisible()
    assert all(tile.property("serviceId") for tile in tiles)
    assert all(not tile.icon().isNull() for tile in tiles)  # each with its pictogram


def test_where_paging_is_needed_the_page_tiles_are_tile_sized_and_spoken(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    window.apply_theme(Theme(text_size="extra_large"))
    window.fit_to(1366, 768, 85)
    insert_card_event(core, ELDER)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    more = window.home.next_page
    assert more.isVisible()
    tiles = [
        b
        for b in window.home.findChildren(QAbstractButton)
        if b.isVisible() and b.objectName().startswith("service_")
    ]
    assert more.size() == tiles[0].size()
    said_before = len(window.speaker.voice.utterances)
    more.click()
    assert "第 2 页" in window.speaker.voice.utterances[said_before][1]
    assert window.home.previous_page.isVisible()


def test_every_button_of_every_stop_has_an_accessible_name(qtbot, tmp_path):
    """What AT-SPI hands a screen reader: Qt's QAccessible interface of each control."""
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.fit_to(1080, 1920, 102)
    nameless: list[str] = []

    def check(stop: str) -> None:
        for control in window.findChildren(QAbstractButton):
            if not control.isVisible():
                continue
            interface = QAccessible.queryAccessibleInterface(control)
            name = interface.text(QAccessible.Text.Name) if interface else ""
            if not name.strip():
                nameless.append(f"{stop}/{control.objectName()}")
        for text_label in window.findChildren(QLabel):
            if text_label.isVisible() and text_label.pixmap().isNull() and text_label.text():
                interface = QAccessible.queryAccessibleInterface(text_label)
                assert interface is not None and interface.text(QAccessible.Text.Name)

    stops = run_tour(window, QApplication.instance(), check)
    assert len(stops) >= 55
    assert not nameless, nameless


class _Screen:
    """The two things `reported_dpi` reads from a QScreen (a real one is in the Xvfb test)."""

    def __init__(self, width_px, height_px, width_mm, height_mm):
        from PySide6.QtCore import QRect, QSizeF

        self._geometry = QRect(0, 0, width_px, height_px)
        self._size = QSizeF(width_mm, height_mm)

    def geometry(self):
        return self._geometry

    def physicalSize(self):  # noqa: N802 (Qt name)
        return self._size


def test_dpi_comes_from_kiosk_toml_then_a_plausible_edid_then_the_default():
    panel = _Screen(1366, 768, 409, 230)  # 18.5"
    assert reported_dpi(panel) == pytest.approx(84.8, abs=0.2)
    assert choose_dpi(panel, None) == (reported_dpi(panel), "screen (EDID)")
    assert choose_dpi(panel, 96.0) == (96.0, "kiosk.toml screen_dpi")
    for nonsense in (
        _Screen(1366, 768, 0, 0),
        _Screen(1920, 1080, 1600, 900),
        _Screen(1920, 1080, 160, 90),
    ):
        assert choose_dpi(nonsense, None) == (DEFAULT_DPI, "default")
    assert choose_dpi(_Screen(1920, 1080, 477, 100), None)[1] == "default"  # non-square pixels


def test_a_new_dpi_re_lays_the_window_out_in_millimetres(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    window.fit_to(1920, 1080, 102)
    gap_at_102 = window.nav.tiles.spacing()
    window.fit_to(1920, 1080, 204)
    assert window.theme.dpi == 204
    assert window.nav.tiles.spacing() == pytest.approx(2 * gap_at_102, abs=1)
    assert window.size() == QSize(1920, 1080)


def test_staff_are_told_when_a_screen_scrolls(qtbot, tmp_path):
    """Extra-large text on a 1024x768 panel: the keypad steps scroll (the last resort),
    and staff are told once per screen, text size and height."""
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.apply_theme(Theme(text_size="extra_large"))
    window.fit_to(1024, 768, 85.0)

    def step_reported() -> bool:
        return any("stepScreen" in a and "extra_large" in a for a in scrolling_alerts())

    def scrolling_alerts() -> list[str]:
        return [alert for alert in window.staff_alerts if "滑动" in alert]

    def at(stop: str) -> None:
        # A screen is checked once it has stood SETTLE_MS: the tour stays on the phone
        # step for that (passing faster, it was checked or not as the timer fell).
        if stop == "pension_certification-phone":
            qtbot.waitUntil(step_reported, timeout=3000)

    run_tour(window, QApplication.instance(), at)
    assert step_reported()
    scrolls = scrolling_alerts()
    assert len(scrolls) == len(set(scrolls))
    cut = [alert for alert in window.staff_alerts if "放不下" in alert]
    assert not cut, cut


def test_staff_are_told_when_something_is_cut(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path)
    window.fit_to(1366, 768, 85.0)
    clipped = window.attract.message
    clipped.setWordWrap(False)
    clipped.setText("请插入社保卡或放上身份证,然后按屏幕提示办理业务")
    clipped.setFixedWidth(200)
    QApplication.processEvents()
    window.overflow.check()
    qtbot.waitUntil(lambda: any("放不下" in alert for alert in window.staff_alerts), timeout=3000)
    cut = [alert for alert in window.staff_alerts if "放不下" in alert]
    assert len(cut) == 1 and "attractMessage" in cut[0]


def test_checking_every_screen_shown_keeps_nothing_behind(qtbot, tmp_path, monkeypatch):
    """A check after each screen, for years: no timer object or callback left per check
    (QTimer.singleShot with a delay kept ~850 bytes a call in PySide6 6.11)."""
    monkeypatch.setattr(overflow_guard, "SETTLE_MS", 1)
    checks = [0]
    real_check = overflow_guard.OverflowGuard.check

    def counted_check(self):  # on the class: the guard hands Qt a bound method, as it does
        checks[0] += 1
        real_check(self)

    monkeypatch.setattr(overflow_guard.OverflowGuard, "check", counted_check)
    core, window = make_window(qtbot, tmp_path)
    guard = window.overflow

    def screens(count):
        for _ in range(count):
            before = checks[0]
            guard.check_soon()
            qtbot.waitUntil(lambda before=before: checks[0] > before, timeout=2000)

    before = checks[0]
    guard.check_soon()
    guard.check_soon()  # another screen while the first check is pending: checked too
    qtbot.waitUntil(lambda: checks[0] == before + 2, timeout=2000)
    screens(50)  # warmed up
    tracemalloc.start()
    try:
        kept_before = tracemalloc.take_snapshot()
        screens(300)
        kept_after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ours = [tracemalloc.Filter(True, overflow_guard.__file__)]
    grown = sum(
        stat.size_diff
        for stat in kept_after.filter_traces(ours).compare_to(
            kept_before.filter_traces(ours), "filename"
        )
    )
    assert grown < 4096, f"{grown} bytes kept over 300 checks"


def keypad_step_that_scrolls(qtbot, tmp_path):
    """The phone-number step at extra-large text on a 1024x768 panel: it scrolls."""
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.apply_theme(Theme(text_size="extra_large"))
    window.fit_to(1024, 768, 85.0)
    for stop in tour(window, QApplication.instance()):
        if stop == "pension_certification-phone":
            return window
    raise AssertionError("the tour has no phone-number step")


def test_a_page_that_scrolls_has_a_cue_that_turns_it(qtbot, tmp_path):
    """The cue is a finger-sized button: each tap moves most of a page down; at the end
    it says so and takes the villager back to the top."""
    window = keypad_step_that_scrolls(qtbot, tmp_path)
    scroller = window.step.scroller
    bar = scroller.verticalScrollBar()
    assert scroller.scrolls and scroller.cue.isVisible() and bar.value() == 0
    assert scroller.cue.text().startswith("▼")
    assert audit(window, window.theme, "phone") == []  # the cue itself is a proper control
    taps = 0
    while bar.value() < bar.maximum():
        before = bar.value()
        qtbot.mouseClick(scroller.cue, Qt.MouseButton.LeftButton)
        assert bar.value() > before
        taps += 1
        assert taps < 10
    assert scroller.cue.text().startswith("▲")
    qtbot.mouseClick(scroller.cue, Qt.MouseButton.LeftButton)
    assert bar.value() == 0 and scroller.cue.text().startswith("▼")


def run_events_for(seconds: float) -> None:
    """The event loop for a while (QScroller measures a drag's speed over time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()


class _ScrollPrepares(QObject):
    """Counts QScroller's ScrollPrepare events: it sends one for every press inside a
    page whose dragging gesture is grabbed."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.ScrollPrepare:
            self.count += 1
        return False


def test_only_a_page_that_scrolls_can_be_dragged(qtbot, tmp_path):
    """Dragging (QScroller) is taken on while the page scrolls and let go when it fits: a
    grabbed gesture does its work under every press inside the page. Again and again, as
    the screen changes, with one scroller (each new grab would leak a recognizer)."""
    window = keypad_step_that_scrolls(qtbot, tmp_path)
    scroller = window.step.scroller
    viewport = scroller.viewport()
    prepares = _ScrollPrepares()
    viewport.installEventFilter(prepares)

    def press_a_key() -> int:
        before = prepares.count
        key = window.step.keypad.findChild(QAbstractButton, "key_5")
        qtbot.mousePress(key, Qt.MouseButton.LeftButton)
        qtbot.mouseRelease(key, Qt.MouseButton.LeftButton)
        return prepares.count - before

    def drag_up() -> None:
        bar = scroller.verticalScrollBar()
        bar.setValue(0)
        start = QPoint(viewport.width() // 2, viewport.height() - 40)
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
        for step in range(1, 15):  # a finger moving up at ~1,000 px/s
            run_events_for(0.02)
            qtbot.mouseMove(viewport, QPoint(start.x(), start.y() - 25 * step))
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start - QPoint(0, 350))
        qtbot.waitUntil(lambda: bar.value() > 0, timeout=5000)

    gestures = set()  # the gesture type of each grab: one scroller, made once
    for _ in range(2):
        qtbot.waitUntil(lambda: scroller.scrolls, timeout=5000)
        gestures.add(scroller._drag_gesture)
        assert press_a_key() >= 1
        drag_up()
        window.fit_to(1920, 1080, 102.0)
        qtbot.waitUntil(lambda: not scroller.scrolls, timeout=5000)
        run_events_for(0.1)  # what the screen change posted
        assert press_a_key() == 0
        assert QScroller.scroller(viewport).state() == QScroller.State.Inactive
        window.fit_to(1024, 768, 85.0)
    assert len(gestures) == 1


def test_the_check_finds_a_control_no_scroll_position_shows_whole(qtbot, tmp_path):
    window = keypad_step_that_scrolls(qtbot, tmp_path)
    too_tall = window.step.keypad.findChild(QAbstractButton, "key_5")
    too_tall.setFixedHeight(window.height())  # taller than any viewport
    QApplication.processEvents()
    found = "\n".join(audit(window, window.theme, "phone"))
    assert "key_5: never wholly on screen" in found


def test_nothing_is_reported_where_everything_fits(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.fit_to(1920, 1080, 102.0)
    run_tour(window, QApplication.instance(), lambda stop: None)
    assert not [alert for alert in window.staff_alerts if "放不下" in alert or "滑动" in alert]
