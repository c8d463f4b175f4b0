"""accessibility.md, measured on the real widgets at the reference DPI: contrast of every
colour pair, size and spacing of every clickable widget on every screen, text size and
line spacing, and a complete English translation."""

import re

import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QAbstractButton, QLabel

from tests.helpers.kiosk_ui import make_window
from ui.layout_audit import audit
from ui.main_window import IDLE_COUNTDOWN_S
from ui.theme import TEXT_SIZES_MM, Theme, contrast_ratio
from ui.tour import ELDER, YOUNGER, run_tour

MIN_CAP_MM, MIN_LINE_SPACING = 6.1, 1.3
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@pytest.mark.parametrize("high_contrast, minimum", [(False, 7.0), (True, 15.0)])
def test_every_colour_pair_of_the_theme_meets_its_contrast(high_contrast, minimum):
    theme = Theme(high_contrast=high_contrast)
    ratios = {name: contrast_ratio(fg, bg) for name, fg, bg in theme.colour_pairs()}
    assert len(ratios) >= 10
    failing = {name: round(r, 2) for name, r in ratios.items() if r < minimum}
    assert not failing, failing


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def measure_stop(window, stop: str, problems: list[str]) -> None:
    """Sizes, spacing and clipping by `ui.layout_audit` (as every screen size is measured
    in test_screen_sizes.py); here also the elder text size and line spacing."""
    theme = window.theme
    buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisible()]
    # The verifier is swipe-and-look: it has nothing to tap.
    assert buttons or stop.startswith("verifier"), f"{stop}: no buttons at all"
    problems.extend(audit(window, theme, stop))
    for text_label in window.findChildren(QLabel):
        if not text_label.isVisible() or not text_label.text():
            continue
        if text_label.property("textStyle") == "staff" or stop.startswith("staff"):
            continue  # staff-only detail; the elder minimum is for villagers
        metrics = QFontMetricsF(text_label.font())
        cap = theme.mm(metrics.capHeight())
        spacing = metrics.lineSpacing() / text_label.font().pixelSize()
        if cap < MIN_CAP_MM or spacing < MIN_LINE_SPACING:
            problems.append(
                f"{stop}/{text_label.objectName() or text_label.text()[:12]}: "
                f"cap {cap:.2f} mm, line spacing {spacing:.2f}"
            )


@pytest.mark.parametrize("text_size", list(TEXT_SIZES_MM))
def test_every_screen_meets_touch_spacing_and_text_size_numbers(qtbot, tmp_path, text_size):
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.apply_theme(Theme(text_size=text_size))
    problems: list[str] = []
    stops = run_tour(window, qtbot_app(), lambda stop: measure_stop(window, stop, problems))
    assert len(stops) >= 50
    assert not problems, "\n".join(problems[:30])


def qtbot_app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


def test_the_default_body_text_is_at_least_6_1_mm_and_there_are_three_sizes():
    sizes = [Theme(text_size=size).body_cap_mm for size in TEXT_SIZES_MM]
    assert len(sizes) == 3 and min(sizes) >= MIN_CAP_MM and sizes == sorted(sizes)
    assert Theme().text_size == "standard"


def test_the_idle_countdown_gives_at_least_20_seconds():
    assert IDLE_COUNTDOWN_S >= 20


# Labels whose text is the villager's own data or a language's own name.
DATA_LABELS = {"greeting", "homeGreeting", "verifierHolder"}
OWN_NAME_BUTTONS = {"language_zh", "language_yue"}


def test_every_visible_string_has_its_english_translation(qtbot, tmp_path):
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9", language="en")
    untranslated: list[str] = []

    def check(stop: str) -> None:
        for widget in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
            if not widget.isVisible() or widget.objectName() in DATA_LABELS | OWN_NAME_BUTTONS:
                continue
            text = widget.text().replace(ELDER.name, "").replace(YOUNGER.name, "")
            if CJK.search(text):  # the villager's own name is data, not a string
                untranslated.append(f"{stop}/{widget.objectName()}: {widget.text()!r}")

    stops = run_tour(window, qtbot_app(), check)
    assert window.language == "en" and len(stops) >= 50
    assert not untranslated, "\n".join(untranslated[:30])


def test_the_translation_check_notices_a_missing_translation(qtbot, tmp_path):
    """The check above must be able to fail: a Chinese-only string is caught."""
    core, window = make_window(qtbot, tmp_path, language="en")
    window.attract.hint.setText("请插卡")
    found = [w for w in window.findChildren(QLabel) if w.isVisible() and CJK.search(w.text())]
    assert window.attract.hint in found
