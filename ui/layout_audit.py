"""Does this screen fit? Measured on the real widgets, as accessibility.md asks.

For every visible control: wholly on screen (not cut by the window or a scroll area),
at least 15 mm each way and 3 mm from the next control at the theme's DPI, overlapping
none; for every visible label and button: its text fits the room its widget gives it,
measured with the widget's own font metrics (wrapped where the widget wraps). The tests
run it at every stop of the tour on every screen size; `kiosk screenshots` prints it.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from ui.theme import Theme

MIN_TOUCH_MM, MIN_GAP_MM = 15.0, 3.0
SLACK_PX = 1.0  # font metrics are fractional; a rounding pixel is not a cut


def rect_in(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def gap_px(a: QRect, b: QRect) -> int:
    dx = max(b.left() - a.right() - 1, a.left() - b.right() - 1, 0)
    dy = max(b.top() - a.bottom() - 1, a.top() - b.bottom() - 1, 0)
    return max(dx, dy)


def shown(widget: QWidget) -> bool:
    """Meant to be seen: visible itself and in all its parents. A control pushed wholly
    outside its parent is still shown, and counted as off the screen."""
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def scrolling_area(widget: QWidget) -> QScrollArea | None:
    """The scroll area `widget` scrolls in, if that area scrolls at all."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea) and parent.verticalScrollBar().maximum() > 0:
            return parent
        parent = parent.parentWidget()
    return None


def scrolled_out(widget: QWidget) -> bool:
    """Cut only by the viewport of a scroll area that scrolls: it comes into view as
    the page scrolls (`audit` checks that it does, wholly)."""
    area = scrolling_area(widget)
    if area is None or wholly_shown(widget):
        return False
    viewport = area.viewport()
    return viewport.visibleRegion().boundingRect().size() == viewport.size()


def wholly_shown(widget: QWidget) -> bool:
    """Nothing of it cut off by a parent (a scroll area's viewport, the window's edge)."""
    visible = widget.visibleRegion().boundingRect()
    return visible.size() == widget.size()


def button_lines(button: QAbstractButton) -> list[str]:
    """The lines a button draws: its wrapped text if it wraps, else its text."""
    displayed = getattr(button, "displayed_text", None)
    text = displayed() if callable(displayed) else button.text()
    return text.split("\n") if text else []


def button_text_room(button: QAbstractButton) -> tuple[float, float]:
    option = QStyleOptionButton()
    if isinstance(button, QPushButton):
        button.initStyleOption(option)
    option.rect = button.rect()
    room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button)
    width = room.width()
    if not button.icon().isNull():
        width -= button.iconSize().width() + 4  # QCommonStyle's icon-to-text spacing
    return width, room.height()


def text_cut(widget: QWidget) -> str | None:
    """Why the widget's text does not fit in it, or None if it does."""
    metrics = QFontMetricsF(widget.font())
    if isinstance(widget, QAbstractButton):
        lines = button_lines(widget)
        if not lines:
            return None
        room_w, room_h = button_text_room(widget)
        need_w = max(metrics.horizontalAdvance(line) for line in lines)
        need_h = metrics.height() * len(lines)
    elif isinstance(widget, QLabel):
        text = widget.text()
        if not text or widget.textFormat() == Qt.TextFormat.RichText:
            return None
        room = widget.contentsRect()
        room_w, room_h = room.width() - 2 * widget.margin(), room.height() - 2 * widget.margin()
        flags = int(widget.alignment().value)
        if widget.wordWrap():
            flags |= Qt.TextFlag.TextWordWrap.value
        needed = metrics.boundingRect(QRectF(0, 0, max(room_w, 1), 10**6), flags, text)
        need_w, need_h = needed.width(), needed.height()
    else:
        return None
    if need_w > room_w + SLACK_PX or need_h > room_h + SLACK_PX:
        return f"text needs {need_w:.0f}x{need_h:.0f} px, has {room_w:.0f}x{room_h:.0f}"
    return None


def cut_widgets(window: QWidget, root: QWidget | None = None, stop: str = "") -> list[str]:
    """Controls and labels under `root` that are not wholly on `window`'s screen or whose
    text does not fit them: what a villager would see cut."""
    problems: list[str] = []
    screen = window.rect()
    root = root or window
    for widget in root.findChildren(QAbstractButton) + root.findChildren(QLabel):
        if not shown(widget) or scrolled_out(widget):
            continue
        if not screen.contains(rect_in(window, widget)) or not wholly_shown(widget):
            problems.append(f"{_name(stop, widget)}: not wholly on screen")
        elif (cut := text_cut(widget)) is not None:
            problems.append(f"{_name(stop, widget)}: {cut}")
    return problems


def _name(stop: str, widget: QWidget) -> str:
    return f"{stop}/{widget.objectName() or widget.text()[:12]}"


def audit(window: QWidget, theme: Theme, stop: str = "") -> list[str]:
    """Every way the window's current screen breaks the layout rules, as readable lines.
    A page that scrolls is measured at every scroll position a page-turn apart (and at its
    end): each of its controls and labels must be wholly on screen at one of them."""
    areas = [
        area
        for area in window.findChildren(QScrollArea)
        if shown(area) and area.verticalScrollBar().maximum() > 0
    ]
    problems = _audit_in_place(window, theme, stop)
    for area in areas:
        bar = area.verticalScrollBar()
        start, step = bar.value(), max(bar.pageStep() // 2, 1)
        inside = [
            widget
            for widget in area.widget().findChildren(QWidget)
            if isinstance(widget, (QAbstractButton, QLabel)) and shown(widget)
        ]
        seen_whole = set()
        for value in [*range(0, bar.maximum(), step), bar.maximum()]:
            bar.setValue(value)
            seen_whole.update(w for w in inside if wholly_shown(w))
            problems += [p for p in _audit_in_place(window, theme, stop) if p not in problems]
        bar.setValue(start)
        problems += [
            f"{_name(stop, widget)}: never wholly on screen, at any scroll position"
            for widget in inside
            if widget not in seen_whole
        ]
    return problems


def _audit_in_place(window: QWidget, theme: Theme, stop: str) -> list[str]:
    problems = cut_widgets(window, stop=stop)
    controls = [b for b in window.findChildren(QAbstractButton) if shown(b) and not scrolled_out(b)]
    rects = {control: rect_in(window, control) for control in controls}
    for control, rect in rects.items():
        width, height = theme.mm(rect.width()), theme.mm(rect.height())
        if min(width, height) < MIN_TOUCH_MM:
            problems.append(f"{_name(stop, control)}: {width:.1f} x {height:.1f} mm")
    for a, b in itertools.combinations(controls, 2):
        if rects[a].intersects(rects[b]):
            problems.append(f"{_name(stop, a)} overlaps {_name(stop, b)}")
        elif (gap := theme.mm(gap_px(rects[a], rects[b]))) < MIN_GAP_MM:
            problems.append(f"{_name(stop, a)} and {_name(stop, b)}: {gap:.1f} mm apart")
    return problems
