"""The real mock backend in its own process, on a free loopback port."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from tests.helpers.waiting import wait_for

if TYPE_CHECKING:  # importing mock_backend loads FastAPI: not for every test session
    from mock_backend.registry import KioskRegistration

DEV_TOKEN = "dev-token-kiosk-0001"  # mock_backend.DEMO_KIOSK's token
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def auth(kiosk: KioskRegistration) -> dict[str, str]:
    return {"Authorization": f"Bearer {kiosk.token}"}


class BackendProcess:
    """`kiosk backend` on a free port. `extra_args` go to it as they are (--catalog,
    --answer-delay-ms, --kiosk...); `kiosks` adds a `--kiosk ID:NUMBER:TOKEN` for each
    (with neither, the backend registers the demo kiosk-0001 only)."""

    def __init__(
        self,
        db_path: Path,
        port: int | None = None,
        *extra_args: str,
        kiosks: Iterable[KioskRegistration] = (),
    ) -> None:
        self.db_path = db_path
        self.extra_args = extra_args
        self.kiosks = list(kiosks)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    def start(self, timeout_s: float = 20.0) -> None:
        kiosk_args = [f"--kiosk={k.kiosk_id}:{k.kiosk_number}:{k.token}" for k in self.kiosks]
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk_cli",
                "backend",
                "--port",
                str(self.port),
                "--db",
                str(self.db_path),
                *kiosk_args,
                *self.extra_args,
            ],
            stdout=subprocess.DEVNULL,
        )
        process = self._process

        def up() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"backend exited with {process.returncode}")
            try:
                return requests.get(self.url + "/healthz", timeout=0.5).ok
            except requests.RequestException:
                return False

        wait_for(up, timeout_s, "the backend to come up")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def rss_bytes(self) -> int:
        """The server's resident set size now (VmRSS)."""
        return _proc_status_kib(self.pid, "VmRSS") * 1024

    def peak_rss_bytes(self) -> int:
        """The server's largest resident set size so far (VmHWM)."""
        return _proc_status_kib(self.pid, "VmHWM") * 1024

    def status(self, tracking_number: str, headers: dict[str, str] = AUTH) -> dict | None:
        response = requests.get(
            f"{self.url}/api/v1/submissions/{tracking_number}", headers=headers, timeout=5
        )
        return response.json() if response.status_code == 200 else None

    def rows(self) -> list[tuple[str, str, str]]:
        """(idempotency_key, tracking_number, body) of every stored real submission, read
        from the backend's own SQLite file (training ones live in another table)."""
        if not self.db_path.exists():
            return []
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return conn.execute(
                "SELECT idempotency_key, tracking_number, body FROM submissions"
            ).fetchall()


def _proc_status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")
