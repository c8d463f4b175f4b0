"""Re-emits the core's plain-Python events as Qt signals, delivered on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.core import KioskCore
from kiosk.events import CoreEvent


class CoreBridge(QObject):
    """Signals:
    event: a `kiosk.events` object; queued to the GUI thread whatever thread emitted it.
    """

    event = Signal(object)

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        core.add_listener(self._forward)

    def _forward(self, event: CoreEvent) -> None:
        # Emitting from the device/sync thread to a QObject living in the GUI thread makes
        # Qt queue the call: slots run on the GUI thread.
        self.event.emit(event)
