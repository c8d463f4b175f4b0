"""Screens rendered again and again (every villager, for months) keep nothing of the
earlier renders: found by benchmarks/ui.py, whose RSS grew ~45 KB a session."""

import gc

from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget, QWidgetItem

from kiosk import events, messages
from tests.helpers.kiosk_ui import choose_service, insert_card_event, make_window, tap
from ui.screens.base import clear_layout, tiles
from ui.screens.rating import RatingScreen
from ui.screens.staff import StaffScreen
from ui.screens.step import StepScreen
from ui.screens.verifier import VerifierScreen
from ui.theme import Theme
from ui.tour import make_identity

RENDERS = 30


def live_layout_items() -> int:
    gc.collect()
    return sum(isinstance(thing, QWidgetItem) for thing in gc.get_objects())


def test_tiles_cleared_and_laid_out_again_leave_no_layout_items(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    column = QVBoxLayout(page)
    theme = Theme()

    def render() -> None:
        clear_layout(column)
        tiles([QPushButton(f"理由 {n}") for n in range(6)], theme, 3, 60, into=column)
        column.addStretch(1)

    render()
    before = live_layout_items()
    for _ in range(RENDERS):
        render()
    # A layout filled before it joined its parent left its 6 items behind each time.
    assert live_layout_items() - before <= 6


def test_rating_reasons_chosen_again_leave_no_layout_items(qtbot):
    screen = RatingScreen(Theme())
    qtbot.addWidget(screen)
    screen.render("zh")
    screen.show()
    screen.level_buttons[2].click()
    before = live_layout_items()
    for round_ in range(RENDERS):
        screen.level_buttons[1 + round_ % 5].click()
    assert live_layout_items() - before <= 10


def test_step_pictogram_is_one_pixmap_drawn_at_its_size(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    insert_card_event(core, make_identity("欧阳秀英", "44010219440315242"))
    choose_service(qtbot, window, "pension_certification")
    first = window.step.service_pictogram.pixmap()
    tap(qtbot, window, "answer_yes")
    qtbot.waitUntil(lambda: window.step.run.step_number == 2, timeout=3000)
    again = window.step.service_pictogram.pixmap()
    side = window.step.theme.px(10)
    assert (first.width(), first.height()) == (side, side)
    # The same pixmap, not a new copy a render: Qt caches by a pixmap's identity.
    assert again.cacheKey() == first.cacheKey()


def test_home_tile_icons_are_drawn_at_the_size_shown(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    insert_card_event(core, make_identity("欧阳秀英", "44010219440315242"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
    tile = next(b for b in window.home.findChildren(QPushButton) if b.property("serviceId"))
    assert tile.icon().availableSizes() == [tile.iconSize()]


def test_a_scrolling_screen_destroyed_reports_no_error(qtbot, capfd):
    screen = StepScreen(Theme())
    screen.resize(800, 600)
    screen.show()
    qtbot.waitExposed(screen)
    del screen
    gc.collect()
    # Its page's events reached the scroll watcher after the screen's Python side went.
    assert "Error calling Python override" not in capfd.readouterr().err


def test_staff_and_verifier_screens_are_built_on_first_use(qtbot, tmp_path):
    """A service terminal never shows the verifier and staff open theirs now and then:
    neither is built at start (~2 MB of widgets), and each is built once."""
    core, window = make_window(qtbot, tmp_path)
    window.route(events.StaffAlert(messages.BACKGROUND_FAILED, "before the screen was built"))
    window.route(events.SyncProgress(done=3, total=3))
    window.route(events.SyncFinished(sent=3, failed=0, quarantined=0, unsent=0))
    assert not window.findChildren(StaffScreen) and not window.findChildren(VerifierScreen)
    assert not window.showing("staffScreen", "verifierScreen")  # asking builds nothing
    assert not window.findChildren(StaffScreen)

    staff = window.staff
    assert window.staff is staff and window.findChildren(StaffScreen) == [staff]
    # What staff were told before the screen existed is on it.
    assert "before the screen was built" in staff.alerts.text()
    assert "已上报 3" in staff.sync_result.text()
    assert (staff.progress.value(), staff.progress.maximum()) == (3, 3)
    assert window.verifier is window.verifier and len(window.findChildren(VerifierScreen)) == 1
