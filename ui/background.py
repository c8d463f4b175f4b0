"""Run blocking work (disk, network) off the GUI thread; results come back on it.

The one helper every screen uses (Anki's QueryOp idea): `run_in_background(op, success,
failure)`. Work runs on a one-worker pool, so disk writes never race each other; slow
devices (the printer) have a lane of their own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

_pools: dict[str, QThreadPool] = {}


def _worker_pool(lane: str) -> QThreadPool:
    if (pool := _pools.get(lane)) is None:
        pool = _pools[lane] = QThreadPool()
        pool.setMaxThreadCount(1)
        # One worker thread a lane for the life of the kiosk: a new thread after every
        # idle spell would open a new store connection each time.
        pool.setExpiryTimeout(-1)
    return pool


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Operation(QRunnable):
    def __init__(self, op: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._op = op
        self._relay = relay

    def run(self) -> None:
        try:
            self._run()
        finally:
            with _idle:
                global _pending
                _pending -= 1
                _idle.notify_all()

    def _run(self) -> None:
        try:
            result = self._op()
        except Exception as error:  # handed to the GUI thread, which decides what to show
            # With its traceback: "background operation failed: OSError" helped nobody.
            log.warning("background operation failed", exc_info=error)
            self._relay.failed.emit(error)
        else:
            self._relay.succeeded.emit(result)


_live_relays: set[_Relay] = set()
# Operations queued or running. Waiting on this, not on QThreadPool.waitForDone: that
# one also ends the pool's thread, so every wait cost a new thread and store connection.
_pending = 0
_idle = threading.Condition()
_unhandled: list[tuple[QObject, Callable[[Exception], None]]] = []


def on_unhandled_failure(owner: QObject, handler: Callable[[Exception], None]) -> None:
    """Where failures of operations started without a `failure` handler go (the window
    shows them to staff): no failure is dropped silently. Forgotten with `owner`."""
    _unhandled.append((owner, handler))


def _report_unhandled(error: Exception) -> None:
    for owner, handler in list(_unhandled):
        if shiboken6.isValid(owner):
            handler(error)
        else:
            _unhandled.remove((owner, handler))  # a window closed since


def run_in_background(
    op: Callable[[], Any],
    success: Callable[[Any], None],
    failure: Callable[[Exception], None] | None = None,
    parent: QObject | None = None,
    lane: str = "store",
) -> None:
    """`op` on the `lane`'s one worker thread. Work that can hold its thread a long time
    and needs no order with the store's writes gets its own lane ("printer": a thermal
    receipt takes up to a minute at 9600 baud, and the next villager's submission must
    not wait behind it)."""
    failure = failure or _report_unhandled
    relay = _Relay(parent)
    _live_relays.add(relay)

    def done(handler: Callable[[Any], None], value: Any) -> None:
        _live_relays.discard(relay)
        relay.deleteLater()  # a child of `parent`: without this, one QObject per operation
        handler(value)

    relay.succeeded.connect(lambda result: done(success, result))
    relay.failed.connect(lambda error: done(failure, error))
    global _pending
    with _idle:
        _pending += 1
    _worker_pool(lane).start(_Operation(op, relay))


def wait_for_background_work(timeout_ms: int = 5000) -> bool:
    """For shutdown and tests: wait until queued operations have run (the worker thread
    stays, with its store connection)."""
    with _idle:
        return _idle.wait_for(lambda: _pending == 0, timeout_ms / 1000)
