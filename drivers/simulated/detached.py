"""Helper processes that outlive the command starting them: the simulated card holders.

`kiosk card insert` returns while its card stays in the reader, so the process holding the
card runs in a session of its own. Its stderr goes to a log file beside its pid file (a
pipe nobody reads would block it, or kill it when closed); the handle of a process started
here is kept, so that stopping it reaps it rather than leaving a zombie (which some
container inits never reap), and Python never warns that it was dropped while running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

POLL_S = 0.02

_started: dict[int, subprocess.Popen] = {}


def start_detached(
    argv: Sequence[str],
    is_ready: Callable[[int], bool],
    log_path: Path,
    timeout_s: float,
    what: str,
) -> int:
    """Start `argv` in its own session; its pid once `is_ready(pid)`. Raises RuntimeError
    (with the last line it wrote) if it exits first, TimeoutError if it is not ready in
    time (it is killed)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            list(argv),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_ready(process.pid):
            _started[process.pid] = process
            return process.pid
        if process.poll() is not None:
            lines = log_path.read_text(errors="replace").strip().splitlines()
            raise RuntimeError(lines[-1] if lines else f"{what} exited")
        time.sleep(POLL_S)
    process.kill()
    process.wait()
    raise TimeoutError(f"{what} did not come up in time")


def stop_detached(pid: int, is_gone: Callable[[], bool], timeout_s: float = 2.0) -> bool:
    """SIGTERM `pid` and wait until `is_gone()` or it has ended; False if it was not running."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        reap(pid)
        return False
    except PermissionError:  # a stale pid file whose pid now belongs to someone else
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not is_gone() and process_alive(pid):
        reap(pid, wait=False)
        time.sleep(POLL_S)
    reap(pid)
    return True


def reap(pid: int, wait: bool = True) -> None:
    """Collect the exit of a process started here (nothing for one started elsewhere)."""
    process = _started.get(pid)
    if process is None:
        return
    if wait:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2.0)
    if process.poll() is not None:
        _started.pop(pid, None)


def process_alive(pid: int) -> bool:
    """Running: a zombie (ended, not yet reaped) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust the signal
    return stat.rpartition(")")[2].split()[:1] != ["Z"]
