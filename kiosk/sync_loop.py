"""The sync engine's background thread, and what keeps it alive where kiosks live.

`SyncLoop` runs `_round()` on the `sync` thread until stopped, sleeping on the monotonic
clock in between; `trigger()` wakes it early. The engine (kiosk/sync.py) is a `SyncLoop`
and says what one round does.

- A round that raises anything is logged with its traceback, reported to staff through
  `on_problem` (once per distinct problem, not once per retry), and the loop goes on after
  the engine's backoff.
- The `sync-watchdog` thread restarts the loop if it dies (even of a BaseException) or
  stops beating (ODK Collect #4513: auto-send stuck until a reboot).
- A heartbeat file tells `kiosk doctor`, in another process, that the loop lives.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

BEAT_EVERY_S = 2.0  # the loop's longest sleep between heartbeats
WATCH_EVERY_S = 5.0
HEARTBEAT_FILE_S = 20.0


class SyncLoop:
    """A loop on its own thread that outlives whatever its rounds do.

    A subclass gives `_round()` (one turn; returns the seconds to wait before the next),
    `_after_failed_round(failures)` (the wait after `failures` rounds raised in a row) and
    `_stall_after_s()` (how long the loop may go without a beat before it counts as stuck).
    `thread_name` names its threads (`sync`, `sync-watchdog`).
    """

    thread_name = "sync"

    def __init__(
        self,
        *,
        on_problem: Callable[[str], None] | None,
        heartbeat_path: Path | None,
        monotonic: Callable[[], float],
    ) -> None:
        self._on_problem = on_problem
        self._heartbeat_path = heartbeat_path
        self._monotonic = monotonic
        self._wake = threading.Event()
        self._force = False
        # trigger_when_quiet: a round is due at _quiet_at unless it was already served.
        self._quiet_at = 0.0
        self._quiet_served = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._generation = 0
        self._round_failures = 0
        self._last_problem = ""
        self.last_beat = monotonic()
        self._beat_written = -HEARTBEAT_FILE_S
        self._problem_written = ""
        self.restarts = 0
        self.problem = ""  # the last round's unexpected failure, "" once a round succeeds

    # -- what a subclass says ---------------------------------------------------------------

    def _round(self) -> float:
        raise NotImplementedError

    def _after_failed_round(self, failures: int) -> float:
        raise NotImplementedError

    def _stall_after_s(self) -> float:
        raise NotImplementedError

    def _heartbeat_record(self) -> dict[str, Any]:
        """What the heartbeat file says (doctor reads `pid`, `at` and `problem`)."""
        return {
            "pid": os.getpid(),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "problem": self.problem,
        }

    # -- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._start_loop()
        self._watchdog = threading.Thread(
            target=self._watch, name=f"{self.thread_name}-watchdog", daemon=True
        )
        self._watchdog.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in (self._thread, self._watchdog):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._watchdog = None

    @property
    def alive(self) -> bool:
        """The loop thread runs and has beaten recently."""
        thread = self._thread
        return (
            thread is not None
            and thread.is_alive()
            and self._monotonic() - self.last_beat < self._stall_after_s()
        )

    def trigger(self, force: bool = False) -> None:
        """Ask the worker to sync now (after an enqueue, or staff's "sync now")."""
        self._force = self._force or force
        self._wake.set()

    def trigger_when_quiet(self, quiet_s: float) -> None:
        """Ask for a round once no such call has come for `quiet_s`: a verifier's checks
        sync between villagers, not during the next card's online look-up (a round after
        every check raised the ID card's online p95 over 1,000 swipes from 10.8 to 17 ms).
        The loop is not woken: it looks when its sleep next beats (<= BEAT_EVERY_S)."""
        self._quiet_at = self._monotonic() + quiet_s

    @property
    def quiet_round_pending(self) -> bool:
        """`trigger_when_quiet` asked for a round that has not run yet."""
        return self._quiet_at > self._quiet_served

    def _quiet_round_due(self, now: float) -> bool:
        quiet_at = self._quiet_at
        if quiet_at <= self._quiet_served or now < quiet_at:
            return False
        self._quiet_served = quiet_at  # a later call asks again; none is lost to a race
        return True

    def _take_force(self) -> bool:
        """Whether a trigger since the last round asked to force one; clears it."""
        force, self._force = self._force, False
        return force

    def _start_loop(self) -> None:
        self._generation += 1
        self.last_beat = self._monotonic()
        self._thread = threading.Thread(
            target=self._run, args=(self._generation,), name=self.thread_name, daemon=True
        )
        self._thread.start()

    def _watch(self) -> None:
        """Restart the loop if it died or stopped beating (ODK Collect #4513: auto-send
        stuck until a reboot)."""
        while not self._stopping.wait(WATCH_EVERY_S):
            thread = self._thread
            if thread is None or not thread.is_alive():
                reason = f"the {self.thread_name} loop stopped"
            elif self._monotonic() - self.last_beat > self._stall_after_s():
                reason = (
                    f"the {self.thread_name} loop has not moved for "
                    f"{self._monotonic() - self.last_beat:.0f} s"
                )
            else:
                continue
            if self._stopping.is_set():
                return
            self.restarts += 1
            self._report_problem(f"{reason}; restarted it (restart {self.restarts})")
            self._start_loop()

    def _run(self, generation: int) -> None:
        while not self._stopping.is_set() and generation == self._generation:
            self._beat()
            self._quiet_served = self._quiet_at  # any round sends what a quiet one would
            try:
                wait = self._round()
                self._round_failures = 0
            except Exception as error:  # noqa: BLE001 - the loop must outlive any round
                self._round_failures += 1
                log.exception(
                    "%s round failed (%d in a row)", self.thread_name, self._round_failures
                )
                self._report_problem(
                    f"{self.thread_name} round failed: {type(error).__name__}: {error}"
                )
                wait = self._after_failed_round(self._round_failures)
            self._sleep(wait, generation)

    def _sleep(self, seconds: float, generation: int) -> None:
        """Wait on the monotonic clock, beating, until woken or `seconds` pass."""
        deadline = self._monotonic() + max(0.05, seconds)
        while not self._stopping.is_set() and generation == self._generation:
            now = self._monotonic()
            left = deadline - now
            if left <= 0 or self._quiet_round_due(now):
                return
            step = min(left, BEAT_EVERY_S)
            if self.quiet_round_pending:
                step = max(0.0, min(step, self._quiet_at - now))
            if self._wake.wait(step):
                self._wake.clear()
                return
            self._beat()

    def _beat(self) -> None:
        self.last_beat = self._monotonic()
        if self._heartbeat_path is None:
            return
        # The file is for doctor (stale after >= 63 s): written every HEARTBEAT_FILE_S, not
        # every beat, so years of beats do not wear a kiosk's SD card.
        fresh = self.last_beat - self._beat_written < HEARTBEAT_FILE_S
        if fresh and self.problem == self._problem_written:
            return  # a new problem is written at once, the rest every HEARTBEAT_FILE_S
        self._beat_written, self._problem_written = self.last_beat, self.problem
        record = self._heartbeat_record()
        temporary = self._heartbeat_path.with_name(self._heartbeat_path.name + ".tmp")
        try:
            temporary.write_text(json.dumps(record), encoding="utf-8")
            os.replace(temporary, self._heartbeat_path)
        except OSError as error:  # a full disk must not stop the loop
            log.debug("heartbeat not written: %s", error)

    # -- problems -----------------------------------------------------------------------------

    def _report_problem(self, message: str) -> None:
        self.problem = message
        if message == self._last_problem:
            return  # one alert per distinct problem, not one per retry
        self._last_problem = message
        log.error("%s: %s", self.thread_name, message)
        if self._on_problem is not None:
            try:
                self._on_problem(message)
            except Exception:  # noqa: BLE001
                log.exception("%s problem listener failed", self.thread_name)

    def _clear_problem(self) -> None:
        """A round that worked: the last problem is over."""
        self.problem = ""
        self._last_problem = ""
