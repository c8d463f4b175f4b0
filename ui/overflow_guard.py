"""When a screen cannot fit: tell staff (issue 13).

Every screen reflows first (tiles in fewer columns, wrapped text, the nav bar beside a low
landscape screen). `OverflowGuard` looks at each screen shown as the layout tests do
(`ui.layout_audit.cut_widgets`) and tells staff, once per screen, text size and screen
height, that something is cut and a smaller text size would fit. (No screen scrolls yet:
see issue 13's note.)
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStackedWidget, QWidget

from kiosk import events
from kiosk.text import Text
from ui.layout_audit import cut_widgets
from ui.theme import Theme

T_DOES_NOT_FIT = Text(
    "有一个画面放不下,请换小一点的字号",
    "A screen does not fit: choose a smaller text size",
)


class OverflowGuard:
    """Tells staff when the screen shown needs more room than the display gives it."""

    def __init__(
        self, stack: QStackedWidget, theme: Theme, report: Callable[[events.StaffAlert], None]
    ) -> None:
        self.stack = stack
        self.theme = theme
        self._report = report
        self._reported: set[tuple[str, str, int]] = set()

    def check_soon(self) -> None:
        QTimer.singleShot(0, self.check)  # after the new screen is laid out

    def check(self) -> None:
        page: QWidget = self.stack.currentWidget()
        if page is None or not page.isVisible():
            return
        window = page.window()
        cut = cut_widgets(window, page, page.objectName())
        if not cut:
            return
        key = (page.objectName(), self.theme.text_size, window.height())
        if key in self._reported:
            return
        self._reported.add(key)
        what = "; ".join(cut[:3])
        self._report(
            events.StaffAlert(
                T_DOES_NOT_FIT,
                f"{what} (screen {window.width()}x{window.height()}, text size "
                f"{self.theme.text_size}, {self.theme.dpi:.0f} DPI)",
            )
        )
