"""The freeze drill: a GUI thread that stops answering, for the watchdog's test.

With `KIOSK_FREEZE_DRILL=1`, SIGUSR1 makes the GUI thread block for good inside a slot (the
signal handler runs there), as a deadlock or an endless loop in a slot would, while every
other thread (card reader, sync, usage writer) runs on. SIGSTOP would stop every thread at
once, and so could not show that the heartbeat comes from the GUI thread. Like
kiosk/crash_drill.py, it does nothing unless a test sets the variable.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

log = logging.getLogger(__name__)


def arm_freeze_drill() -> None:
    if os.environ.get("KIOSK_FREEZE_DRILL") == "1":
        signal.signal(signal.SIGUSR1, _freeze_gui_thread)


def _freeze_gui_thread(signum: int, frame: object) -> None:
    log.warning("freeze drill: the GUI thread (%s) blocks now", threading.current_thread().name)
    threading.Event().wait()  # never set: only a kill ends it, as systemd's watchdog does
