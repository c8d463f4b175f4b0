"""The last resort when a screen cannot fit (issue 13): it scrolls, with a cue.

Every screen reflows first (fewer tiles a row, wrapped text, the nav bar beside or under).
Only where the chosen text size still needs more height than the display has (extra-large
text on a 1024x768 panel) does the page scroll, and then a finger-sized button under it
says so and moves a page at a tap: many elders do not know that a kiosk screen can be
dragged. Dragging works as well (QScroller). Staff are told (`ui.overflow_guard`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QPushButton, QScrollArea, QScroller, QVBoxLayout, QWidget

from kiosk.text import Text
from ui import physical
from ui.theme import Theme
from ui.widgets import big_button

T_MORE_BELOW = Text("▼ 下面还有,点这里往下看", "▼ More below: tap here")
T_BACK_TO_TOP = Text("▲ 回到上面", "▲ Back to the top")
SLACK_MM = 3  # kept back from the screen's height (grid layouts round each row)
PAGE_OVERLAP = 0.2  # of a page kept in view when turning it, so the eye finds its place


class ScrollingPage(QScrollArea):
    """Lay a screen out on `page`. Nothing scrolls while the page fits its owner: the cue
    is hidden and no scroll bar shows."""

    def __init__(self, owner: QWidget, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("scrollingPage")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # No keyboard at a kiosk: a QScrollArea takes focus on a press inside it, and its
        # FocusIn repainted the whole page under the first tap on every screen.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page = QWidget()
        self.page.setObjectName("scrollingPageContent")
        self.setWidget(self.page)
        for layer in (self.viewport(), self.page):  # see Theme.stylesheet: no background
            layer.setAutoFillBackground(False)
        self._drag_gesture: Qt.GestureType | None = None  # QScroller's, once the page scrolls
        self.language = "zh"
        self.cue: QPushButton = big_button("", "scroll_cue")
        self.cue.clicked.connect(self.turn_page)
        self.cue.hide()
        self.verticalScrollBar().valueChanged.connect(self._caption_cue)
        self._owner = owner
        outer = QVBoxLayout(owner)
        outer.setContentsMargins(0, 0, 0, 0)
        physical.spacing(outer, theme)  # the cue apart from the controls scrolling by
        outer.addWidget(self, 1)
        outer.addWidget(self.cue)
        self._watch = _Watch(self)
        owner.installEventFilter(self._watch)
        self.page.installEventFilter(self._watch)

    @property
    def scrolls(self) -> bool:
        return self.verticalScrollBar().maximum() > 0

    def reset(self, language: str) -> None:
        """A screen shown afresh: from its top, the cue in the villager's language."""
        self.language = language
        self.verticalScrollBar().setValue(0)
        self._caption_cue()
        # Text set while the screen was hidden is laid out now that it shows.
        QTimer.singleShot(0, self, self._relayout)

    def _relayout(self) -> None:
        if (layout := self.page.layout()) is not None:
            layout.invalidate()
            layout.activate()
        self._place_cue()

    def turn_page(self) -> None:
        bar = self.verticalScrollBar()
        if bar.value() >= bar.maximum():
            bar.setValue(0)
        else:
            step = round(self.viewport().height() * (1 - PAGE_OVERLAP))
            bar.setValue(min(bar.value() + step, bar.maximum()))

    def watch(self, watched: QObject, event: QEvent) -> None:
        kind = event.type()
        if (watched is self._owner and kind == QEvent.Type.Resize) or (
            watched is self.page and kind == QEvent.Type.LayoutRequest
        ):
            self._place_cue()
        if watched is self.page and kind == QEvent.Type.Resize:
            # The scroll area resizes the page once it knows whether a scroll bar takes
            # room; a resize that lands while the page's layout waits to be activated
            # leaves the layout at the old height (its last button below the page).
            layout = self.page.layout()
            if layout is not None and layout.geometry() != self.page.rect():
                layout.setGeometry(self.page.rect())

    def _place_cue(self) -> None:
        """The cue where the page needs more height than its owner has at the owner's full
        width: decided from the owner's size alone, so the room the cue and the scroll bar
        take cannot turn the answer back and forth."""
        layout = self.page.layout()
        if layout is None:
            return
        # A few pixels kept back: grid layouts round each row (the staff's counts came
        # out 2 px a row short of their text at exactly the height asked for).
        slack = self._owner.theme.px(SLACK_MM)  # the owner's theme: it follows a new DPI
        width, room = self._owner.width(), self._owner.height() - slack
        needed = max(
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height(),
            layout.totalMinimumSize().height(),  # what the scroll area holds it to
        )
        if self.cue.isHidden() != (needed <= room):
            self.cue.setVisible(needed > room)
            self._allow_dragging(needed > room)
            # The decision is this one, not the scroll area's: a bar it showed for an
            # earlier, taller page narrows the page and so keeps itself needed.
            self.setVerticalScrollBarPolicy(
                Qt.ScrollBarPolicy.ScrollBarAsNeeded
                if needed > room
                else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            )
        self._caption_cue()

    def _allow_dragging(self, allowed: bool) -> None:
        """Dragging only while there is something to drag: a grabbed gesture puts QScroller's
        work (a ScrollPrepare on the viewport) under every press inside the page. The
        scroller is made once (each QScroller.grabGesture registers a recognizer that is
        never freed: ~2.7 KB a time); after that only the viewport's subscription to its
        gesture comes and goes."""
        viewport = self.viewport()
        if allowed:
            if self._drag_gesture is None:
                self._drag_gesture = QScroller.grabGesture(
                    viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture
                )
            else:
                viewport.grabGesture(self._drag_gesture)
        elif self._drag_gesture is not None:
            QScroller.scroller(viewport).stop()  # a drag cut off would keep its timer running
            viewport.ungrabGesture(self._drag_gesture)

    def _caption_cue(self, *_args: object) -> None:
        bar = self.verticalScrollBar()
        at_bottom = bar.maximum() > 0 and bar.value() >= bar.maximum()
        self.cue.setText((T_BACK_TO_TOP if at_bottom else T_MORE_BELOW)(self.language))


class _Watch(QObject):
    """The owner's and the page's events, for `ScrollingPage.watch` (QScrollArea's own
    eventFilter is busy with its page)."""

    def __init__(self, area: ScrollingPage) -> None:
        super().__init__(area)
        self._area = area

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # A screen being destroyed loses its Python attributes before its children go
        # (their events still come here): nothing is left to place then.
        if "_owner" in vars(self._area):
            self._area.watch(watched, event)
        return False
