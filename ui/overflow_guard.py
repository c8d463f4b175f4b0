"""When a screen cannot fit: tell staff (issue 13).

Every screen reflows first (tiles in fewer columns, wrapped text, the nav bar beside a low
landscape screen), and scrolls with a cue as the last resort (`ui.scrolling`).
`OverflowGuard` looks at each screen shown as the layout tests do
(`ui.layout_audit.cut_widgets`) and tells staff, once per screen, text size and screen
height, that something is cut, or that the screen scrolls, and that a smaller text size
would fit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget

from kiosk import events
from kiosk.text import Text
from ui.layout_audit import cut_widgets
from ui.theme import Theme

SETTLE_MS = 250
T_DOES_NOT_FIT = Text(
    "有一个画面放不下,请换小一点的字号",
    "A screen does not fit: choose a smaller text size",
)
T_SCROLLS = Text(
    "有一个画面要上下滑动才能看全,换小一点的字号可以放下",
    "A screen must scroll to be seen whole: a smaller text size would fit",
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
        # One timer for the life of the window: PySide6 6.11's QTimer.singleShot with a
        # delay keeps ~850 bytes per call, one call per screen shown (measured: +1.7 MB
        # RSS over 2,000 calls), which years of screens would add up.
        self._timer = QTimer(stack, singleShot=True, interval=SETTLE_MS)
        self._timer.timeout.connect(self._settled)
        self._again = False

    def check_soon(self) -> None:
        """Check the screen shown once it has settled: a page's text set while it was hidden
        is laid out a turn of the event loop after it shows (`ScrollingPage.reset`). A
        screen shown while a check is pending is checked again when that one has run,
        SETTLE_MS later: at least SETTLE_MS after it was shown (a restarted timer would
        check only the last of a quick run of screens)."""
        if self._timer.isActive():
            self._again = True
        else:
            self._timer.start()

    def _settled(self) -> None:
        if self._again:
            self._again = False
            self._timer.start()
        self.check()

    def check(self) -> None:
        page: QWidget = self.stack.currentWidget()
        if page is None or not page.isVisible():
            return
        # Layouts asked for since (a staff alert added to the page shown) are done first:
        # measured halfway, a label stands at its old height under its new text. A few
        # rounds: laying out posts more requests (the scroll cue shown, a page resized),
        # and one call leaves those for later.
        for _ in range(4):
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
        window = page.window()
        cut = cut_widgets(window, page, page.objectName())
        scroller = getattr(page, "scroller", None)
        scrolls = scroller is not None and scroller.scrolls
        if not cut and not scrolls:
            return
        key = (page.objectName(), self.theme.text_size, window.height())
        if key in self._reported:
            return
        self._reported.add(key)
        what = "; ".join(cut[:3]) if cut else f"{page.objectName()} scrolls"
        self._report(
            events.StaffAlert(
                T_DOES_NOT_FIT if cut else T_SCROLLS,
                f"{what} (screen {window.width()}x{window.height()}, text size "
                f"{self.theme.text_size}, {self.theme.dpi:.0f} DPI)",
            )
        )
