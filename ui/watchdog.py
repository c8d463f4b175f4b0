"""The systemd watchdog, fed from the GUI thread (issue 16).

READY=1 once the window is up (the attract screen shown and the event loop running),
WATCHDOG=1 from a QTimer every half `WATCHDOG_USEC`, STOPPING=1 when the application
quits. The heartbeat comes from the GUI thread's event loop, not a thread of its own, so a
GUI that is stuck in a slot, deadlocked or looping stops it, and systemd (`WatchdogSec=`)
kills and restarts the kiosk. Outside systemd (no `NOTIFY_SOCKET`) it does nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.service_notify import ServiceNotifier


class ServiceWatchdog(QObject):
    def __init__(self, app: QApplication, notifier: ServiceNotifier | None = None) -> None:
        super().__init__(app)
        self.notifier = notifier or ServiceNotifier()
        self._heartbeat = QTimer(self)
        self._heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        self._heartbeat.timeout.connect(lambda: self.notifier.notify("WATCHDOG=1"))
        app.aboutToQuit.connect(self._stopping)

    def start(self) -> None:
        """Call once the window is shown: READY=1 goes at the event loop's first turn."""
        if self.notifier.enabled:
            QTimer.singleShot(0, self._ready)

    def _ready(self) -> None:
        self.notifier.notify("READY=1")
        if self.notifier.watchdog_interval_s:
            self._heartbeat.start(max(1, round(self.notifier.watchdog_interval_s * 1000)))

    def _stopping(self) -> None:
        self._heartbeat.stop()
        self.notifier.notify("STOPPING=1")
        self.notifier.close()
