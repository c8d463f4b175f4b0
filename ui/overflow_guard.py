"""When a screen cannot fit: scroll its long part, say so, and tell staff (issue 13).

Every screen reflows first (tiles in fewer columns, wrapped text, the nav bar beside a low
landscape screen). The parts that can grow without bound (a list of policies) sit in a
`ScrollingArea`: it scrolls only when it must, and then shows a large cue (▼ 下面还有内容)
beside a touch-sized scroll bar. `OverflowGuard` looks at the screen shown as the layout
tests do (`ui.layout_audit.cut_widgets`) and tells staff, once per screen, text size and
screen height, that something is cut or scrolls and a smaller text size would fit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from kiosk import events
from kiosk.text import Text
from ui.layout_audit import cut_widgets
from ui.theme import Theme
from ui.widgets import label

T_MORE_BELOW = Text("▼ 下面还有内容,请按右边的长条往下看", "▼ More below: use the bar on the right")
T_DOES_NOT_FIT = Text(
    "有一个画面放不下,请换小一点的字号",
    "A screen does not fit: choose a smaller text size",
)


class ScrollingArea(QWidget):
    """A column of widgets that scrolls, with its cue, only when the room is too small."""

    def __init__(self, language: str = "zh") -> None:
        super().__init__()
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.scroller.setWidget(inner)
        self.cue = label(T_MORE_BELOW(language), "banner", name="scrollCue")
        self.cue.hide()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.scroller, 1)
        outer.addWidget(self.cue)
        self.scroller.verticalScrollBar().rangeChanged.connect(self._range_changed)

    def set_language(self, language: str) -> None:
        self.cue.setText(T_MORE_BELOW(language))

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        self.cue.setVisible(maximum > 0)

    def scrolls(self) -> bool:
        return self.scroller.verticalScrollBar().maximum() > 0


class OverflowGuard:
    """Tells staff when the screen shown needs more room than the display gives it."""

    def __init__(self, stack: QStackedWidget, theme: Theme, report) -> None:
        self.stack = stack
        self.theme = theme
        self._report = report  # (events.StaffAlert) -> None
        self._reported: set[tuple[str, str, int]] = set()

    def check_soon(self) -> None:
        QTimer.singleShot(0, self.check)  # after the new screen is laid out

    def check(self) -> None:
        page: QWidget = self.stack.currentWidget()
        if page is None or not page.isVisible():
            return
        window = page.window()
        cut = cut_widgets(window, page, page.objectName())
        scrolling = [area for area in page.findChildren(ScrollingArea) if area.scrolls()]
        if not cut and not scrolling:
            return
        key = (page.objectName(), self.theme.text_size, window.height())
        if key in self._reported:
            return
        self._reported.add(key)
        what = "; ".join(cut[:3]) if cut else "scrolls"
        self._report(
            events.StaffAlert(
                T_DOES_NOT_FIT,
                f"{what} (screen {window.width()}x{window.height()}, text size "
                f"{self.theme.text_size}, {self.theme.dpi:.0f} DPI)",
            )
        )
