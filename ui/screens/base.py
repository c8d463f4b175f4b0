"""What every screen shares: the Screen base class, layout helpers, shared wording."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QBoxLayout, QLayoutItem, QPushButton, QVBoxLayout, QWidget

from kiosk.text import Text
from ui import physical
from ui.scrolling import ScrollingPage
from ui.theme import Theme
from ui.tile_layout import TileLayout

T_BACK = Text("返回", "Back")
T_HOME = Text("首页", "Home")
T_CALL_STAFF = Text("呼叫工作人员", "Call staff")
T_REPEAT = Text("再听一遍", "Hear again")
T_STEP = Text("第 {n} 步 / 共 {total} 步", "Step {n} of {total}")
T_NEXT = Text("下一步", "Next")
T_DONE = Text("完成", "Done")
COLON = Text(":", ": ")
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 3.0


def clear_layout(layout) -> None:
    """Delete every widget and nested layout in a layout: old answers and names leave the
    widget tree, and nothing of them stays in memory."""
    while layout.count():
        item = layout.takeAt(0)
        if (widget := item.widget()) is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif (child := item.layout()) is not None:
            clear_layout(child)
        discard_item(item)


def discard_item(item: QLayoutItem) -> None:
    """Delete a layout item taken out of its layout (a widget's item, a spacer, a nested
    layout; never the widget itself). Qt leaves that to whoever took it, and PySide
    does not: each one taken stayed in memory (benchmarks/ui.py's RSS grew a session)."""
    shiboken6.delete(item)


def tiles(
    buttons: list[QPushButton],
    theme: Theme,
    max_columns: int,
    min_column_mm: float = 0,
    *,
    into: QBoxLayout | QWidget,
) -> TileLayout:
    """Buttons in as many equal columns as fit (at most `max_columns`, each at least
    `min_column_mm` wide), reflowing on a narrower screen; added to the layout `into`,
    or made the layout of the widget `into`."""
    layout = TileLayout(theme.gap_px, theme.px(min_column_mm), max_columns)
    physical.spacing(layout, theme)
    layout.setProperty("minColumnMm", min_column_mm)
    # Placed before it is filled, always: PySide ties the items of a filled layout to the
    # layout it joins, and they would outlive every clear_layout (one set per render).
    if isinstance(into, QWidget):
        into.setLayout(layout)
    else:
        into.addLayout(layout)
    for button in buttons:
        layout.addWidget(button)
    return layout


class PageStack(QWidget):
    """One page shown at a time, like QStackedWidget, but only the page shown is asked
    for its size: QStackedLayout's height-for-width is the tallest of all its pages (the
    staff's long service list would make the PIN page scroll)."""

    def __init__(self) -> None:
        super().__init__()
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []

    def addWidget(self, page: QWidget) -> None:  # noqa: N802 (QStackedWidget's name)
        self._pages.append(page)
        self._column.addWidget(page)
        page.setVisible(len(self._pages) == 1)

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (QStackedWidget's name)
        return next((page for page in self._pages if not page.isHidden()), None)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 (QStackedWidget's name)
        for other in self._pages:
            if other is not page:
                other.hide()
        page.show()


class Screen(QWidget):
    """A page of the stack; `speech` is what the kiosk says when it appears."""

    def __init__(self, theme: Theme, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.theme = theme
        self.speech = Text("", "")
        self.can_go_back = False
        self.scroller: ScrollingPage | None = None

    def scrolling_page(self) -> QWidget:
        """The widget to lay this screen out on: it scrolls, with a cue under it, only
        when its content cannot fit the screen (`ui.scrolling`)."""
        self.scroller = ScrollingPage(self, self.theme)
        return self.scroller.page

    def margins(self, layout) -> None:
        physical.margins(layout, self.theme, 8, 5)
        physical.spacing(layout, self.theme, 4)

    def apply_theme(self, theme: Theme) -> None:
        """A new DPI or text size: sizes in millimetres are re-applied by `ui.physical`."""
        self.theme = theme
