"""The idle guard: no tap for the staff-set time on a villager screen, then a countdown with
one big 继续办理, then the session is wiped (WCAG 2.2.1: at least 20 s to extend it)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from kiosk.text import Text

if TYPE_CHECKING:
    from ui.main_window import KioskWindow

log = logging.getLogger(__name__)

IDLE_COUNTDOWN_S = 30  # >= 20 s to extend with one tap (WCAG 2.2.1, accessibility.md)
T_SESSION_CLOSED = Text(
    "因长时间无操作,已退出并清除您的信息。", "Closed after no activity; your details are cleared."
)


class IdleGuard(QObject):
    def __init__(self, window: KioskWindow, countdown_s: int = IDLE_COUNTDOWN_S) -> None:
        super().__init__(window)
        self.window = window
        self.countdown_s = countdown_s
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.warn)
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._tick)
        self._seconds_left = 0
        self.screen_before: QWidget | None = None
        window.idle.resumed.connect(self.resume)

    def _applies(self) -> bool:
        w = self.window
        current = w.stack.currentWidget()
        return current in (w.home, w.step, w.receipt, w.result, w.rating) or (
            current is w.message and w.core.session is not None
        )

    def restart(self) -> None:
        """A tap or a new screen: the villager is there."""
        if self.window.stack.currentWidget() is self.window.idle:
            return
        self._timer.start(int(self.window.core.idle_timeout_s() * 1000))

    def warn(self) -> None:
        if not self._applies():
            return
        w = self.window
        w.core.usage.here("idle_warning")
        self.screen_before = w.stack.currentWidget()
        self._seconds_left = self.countdown_s
        w.idle.render(self._seconds_left, w.language)
        w.show_screen(w.idle)
        self._countdown.start()

    def _tick(self) -> None:
        w = self.window
        self._seconds_left -= 1
        w.idle.show_seconds(self._seconds_left, w.language)
        if self._seconds_left <= 0:
            self.stop()
            log.info("session closed after no activity")
            w.core.usage.here("idle_timeout")
            w.core.end_session("idle")
            if w.core.session is None and w.stack.currentWidget() is w.idle:
                w.show_message(T_SESSION_CLOSED)

    def stop(self) -> None:
        self._countdown.stop()
        self.screen_before = None

    def resume(self) -> None:
        previous = self.screen_before
        self.stop()
        if previous is not None:
            self.window.show_screen(previous)
        else:
            self.window.show_attract()
