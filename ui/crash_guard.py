"""Exceptions nobody caught: logged with their traceback, shown to staff, and the villager
is never left on a dead screen (a short message, then the home screen).

PySide6 hands an exception raised in a slot to `sys.excepthook` and carries on; a thread's
uncaught exception goes to `threading.excepthook`. Both are routed here.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal

from kiosk import events, messages
from kiosk.text import Text

if TYPE_CHECKING:
    from ui.main_window import KioskWindow

log = logging.getLogger(__name__)

T_SOMETHING_WENT_WRONG = Text(
    "出了点问题,您的信息没有丢失。请重新选择要办理的业务,或找工作人员帮忙。",
    "Something went wrong; nothing you entered was lost. Please choose again, or ask staff.",
)


class CrashGuard(QObject):
    """Signals: crashed(str) — a one-line summary, delivered on the GUI thread."""

    crashed = Signal(str)

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.crashed.connect(self._recover, Qt.ConnectionType.QueuedConnection)
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._on_exception
        threading.excepthook = self._on_thread_exception

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _on_exception(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        log.error("uncaught exception", exc_info=(kind, error, trace))
        self.crashed.emit(f"{kind.__name__}: {error}"[:300])

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        log.error(
            "uncaught exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        self.crashed.emit(f"thread {name}: {args.exc_type.__name__}: {args.exc_value}"[:300])

    def _recover(self, summary: str) -> None:
        window = self.window
        if not shiboken6.isValid(window):
            return
        window.route(events.StaffAlert(messages.BACKGROUND_FAILED, summary))
        if window.showing("staffScreen", "attractScreen", "verifierScreen"):
            return
        window.show_message(T_SOMETHING_WENT_WRONG, returns_home=True)
