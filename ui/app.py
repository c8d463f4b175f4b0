"""Starting the GUI: QApplication, fonts, the window, the core's threads."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from kiosk import collector
from kiosk.core import KioskCore
from ui.memory import limit_malloc_arenas
from ui.theme import FONT_FAMILIES

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    limit_malloc_arenas()
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    app.setFont(font)
    return app  # type: ignore[return-value]


def run_window(
    core: KioskCore, demo: bool, fullscreen: bool, id_card_control: Path | None = None
) -> int:
    """Show the kiosk window and run the event loop until it closes. `id_card_control`:
    the simulated ID-card reader's control file, for the demo panel's ID-card buttons."""
    from ui.crash_guard import CrashGuard
    from ui.demo_panel import DemoCardPanel
    from ui.freeze_drill import arm_freeze_drill
    from ui.main_window import KioskWindow
    from ui.watchdog import ServiceWatchdog

    app = make_application()
    # SIGTERM/SIGINT (systemd stop, Ctrl-C) end the event loop cleanly so `kiosk run` can
    # stop what it started; the timer lets Python run its signal handlers while Qt waits.
    # Queued, not app.quit() at once: a stop asked for before the event loop runs (while the
    # window is still fitting the screen) would otherwise be lost.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: QTimer.singleShot(0, app.quit))
    wakeup = QTimer()
    wakeup.timeout.connect(lambda: None)
    wakeup.start(250)
    arm_freeze_drill()
    watchdog = ServiceWatchdog(app)
    panel = DemoCardPanel(id_card_control=id_card_control) if demo else None
    window = KioskWindow(core, demo_panel=panel)
    CrashGuard(window)
    core.start()
    if fullscreen:
        # The screen's own geometry, not showFullScreen(): with no window manager (a kiosk
        # booted straight into the app) nobody would act on that request.
        window.fit_screen()
    else:
        window.resize(1280, 800)
        window.show()
    # What start made is frozen and the collector (paused by `kiosk run`) resumes once
    # the attract screen is up: kiosk/collector.py.
    QTimer.singleShot(0, collector.resume_after_start)
    watchdog.start()  # READY=1 with the attract screen up, then heartbeats from this thread
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        log.warning("QT_QPA_PLATFORM=offscreen: the window is not visible")
    try:
        return app.exec()
    finally:
        window.speaker.stop()  # an utterance must not outlive the kiosk
        window.speaker.voice_idle(1.0)
        core.stop()
