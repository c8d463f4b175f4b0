"""Fault injection points for crash drills and the kill tests (offline-sync.md, 2).

`KIOSK_CRASH_AT=<point>` makes the process SIGKILL itself when it reaches that point, the
way a power cut would: no cleanup, no flush beyond what SQLite already committed.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS = ("after_enqueue", "after_mark_in_flight", "after_answer")


def crashpoint(name: str) -> None:
    if os.environ.get("KIOSK_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
