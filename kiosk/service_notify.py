"""Telling systemd how the kiosk is doing (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1.

The protocol is one datagram of `KEY=value` lines to the AF_UNIX socket named in
`NOTIFY_SOCKET` (a leading `@` is the abstract namespace); `WATCHDOG_USEC` is the
watchdog's timeout. That is these few lines, not a dependency: `sdnotify` has had no
release since 2017, and `systemd-python` needs libsystemd-dev and a compiler to build.

`WATCHDOG_PID` is ignored on purpose: under cage the kiosk is the compositor's child, so
systemd names cage's pid there (the unit says `NotifyAccess=all`).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class ServiceNotifier:
    """Sends states to systemd; does nothing when not started by systemd (no socket)."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_interval_s = _half_of_watchdog(environ.get("WATCHDOG_USEC", ""))
        self._socket: socket.socket | None = None
        self._failed = False

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, state: str) -> bool:
        """Send `state` (e.g. "READY=1"); False if there is no socket or it failed. Never
        blocks: it is called from the GUI thread."""
        if not self.address:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.sendto(state.encode(), socket.MSG_DONTWAIT, self.address)
        except OSError as error:
            if not self._failed:  # once: a heartbeat a second must not flood the journal
                log.warning("cannot notify systemd at %s: %s", self.address, error)
            self._failed = True
            return False
        return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _half_of_watchdog(usec: str) -> float | None:
    """systemd's advice: send WATCHDOG=1 at half the timeout. None when no watchdog."""
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2e6 if value > 0 else None
