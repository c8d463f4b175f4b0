"""Crash drills: the process dies at a named point, as in a power cut (offline-sync.md, 2).

`KIOSK_CRASH_AT=<point>` makes the process SIGKILL itself when it reaches that point: no
cleanup, no flush beyond what SQLite already committed. The kill tests use it to show that
nothing submitted is lost and nothing is sent twice.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS = ("after_enqueue", "after_mark_in_flight", "after_answer")


def crashpoint(name: str) -> None:
    if name not in CRASH_POINTS:  # a misspelt point would make a drill pass by never firing
        raise ValueError(f"unknown crash point {name!r}; one of {CRASH_POINTS}")
    if os.environ.get("KIOSK_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
