"""What every screen shares: the Screen base class, layout helpers, shared wording."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QPushButton,
    QWidget,
)

from kiosk.text import Text
from ui.theme import Theme

T_BACK = Text("返回", "Back")
T_HOME = Text("首页", "Home")
T_CALL_STAFF = Text("呼叫工作人员", "Call staff")
T_REPEAT = Text("再听一遍", "Hear again")
T_STEP = Text("第 {n} 步 / 共 {total} 步", "Step {n} of {total}")
T_NEXT = Text("下一步", "Next")
T_DONE = Text("完成", "Done")
COLON = Text(":", ": ")
MENU_PAGE_SIZE = 6
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 3.0


def clear_layout(layout) -> None:
    """Delete every widget in a layout: old answers and names leave the widget tree."""
    while layout.count():
        item = layout.takeAt(0)
        if (widget := item.widget()) is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif (child := item.layout()) is not None:
            clear_layout(child)


def grid_of_buttons(buttons: list[QPushButton], columns: int, gap_px: int) -> QGridLayout:
    grid = QGridLayout()
    grid.setSpacing(gap_px)
    for index, button in enumerate(buttons):
        grid.addWidget(button, index // columns, index % columns)
    return grid


class Screen(QWidget):
    """A page of the stack; `speech` is what the kiosk says when it appears."""

    def __init__(self, theme: Theme, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.theme = theme
        self.speech = Text("", "")
        self.can_go_back = False

    def margins(self, layout) -> None:
        t = self.theme
        layout.setContentsMargins(t.px(10), t.px(6), t.px(10), t.px(6))
        layout.setSpacing(t.px(4))
