"""The real mock backend in its own process, on a free loopback port."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests

from tests.helpers.waiting import wait_for

DEV_TOKEN = "dev-token-kiosk-0001"
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BackendProcess:
    def __init__(self, db_path: Path, port: int | None = None, *extra_args: str) -> None:
        self.db_path = db_path
        self.extra_args = extra_args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 20.0) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.cli",
                "backend",
                "--port",
                str(self.port),
                "--db",
                str(self.db_path),
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

    def status(self, tracking_number: str) -> dict | None:
        response = requests.get(
            f"{self.url}/api/v1/submissions/{tracking_number}", headers=AUTH, timeout=5
        )
        return response.json() if response.status_code == 200 else None

    def rows(self) -> list[tuple[str, str, str]]:
        """(idempotency_key, tracking_number, body) of every stored submission, read from
        the backend's own SQLite file."""
        if not self.db_path.exists():
            return []
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return conn.execute(
                "SELECT idempotency_key, tracking_number, body FROM submissions"
            ).fetchall()
