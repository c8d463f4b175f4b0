"""Waiting on a condition outside Qt (for Qt, use qtbot.waitUntil)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll `condition` until it is true; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    idle = threading.Event()  # never set: a pause that is not a bare sleep in every test
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        idle.wait(0.02)
