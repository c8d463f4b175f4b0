"""Owning pcscd during a test session: start it, stop it, restart it without readers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from drivers.pcsc import pcscd as daemon
from tests.helpers.waiting import wait_for

PID_FILE = Path("/run/pcscd/pcscd.pid")


class PcscdController:
    def __init__(self, empty_config: Path) -> None:
        self._process: subprocess.Popen | None = None
        self._empty_config = empty_config

    def ensure_running(self) -> None:
        """pcscd with the vpcd readers, ours or one already running."""
        if daemon.pcscd_running() and daemon.port_listening(daemon.VPCD_PORT):
            return
        self.stop()
        self._process = daemon.start_pcscd()

    def stop(self) -> None:
        """Stop pcscd, whoever started it (tests run as root on a test machine)."""
        if self._process is not None:
            daemon.stop_pcscd(self._process)
            self._process = None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not daemon.pcscd_running():
                break
            with contextlib.suppress(OSError, ValueError):
                # pcscd writes its pid followed by a NUL byte.
                os.kill(int(PID_FILE.read_text().split("\x00")[0].strip()), sig)
            with contextlib.suppress(TimeoutError):  # then SIGKILL
                wait_for(lambda: not daemon.pcscd_running(), 5, "pcscd to stop")

    def start_without_readers(self) -> None:
        """pcscd with an empty reader configuration: the service runs, no reader exists."""
        self.stop()
        self._empty_config.write_text("")
        self._process = daemon.start_pcscd(
            vpcd_port=None, extra_args=["--config", str(self._empty_config)]
        )
