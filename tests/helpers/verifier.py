"""The verifier's backend in tests: a status file, the two keys, the real `kiosk backend`
serving them, and the kiosk settings that pair with it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mock_backend.status_list import load_lookup_key, load_signing_key, public_key_text
from tests.helpers.backend import BackendProcess

TIMEOUT_S = 10.0


class VerifierBackend:
    """`kiosk backend --status-file --lookup-key --signing-key` on a free port."""

    def __init__(self, directory: Path, statuses: Iterable[tuple[str, str]], *extra: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.status_file = self.directory / "statuses.csv"
        self.lookup_key_file = self.directory / "lookup.key"
        self.signing_key_file = self.directory / "signing.key"
        self.write_statuses(statuses)
        self.lookup_key = load_lookup_key(self.lookup_key_file)
        self.public_key = public_key_text(load_signing_key(self.signing_key_file))
        self.server = BackendProcess(
            self.directory / "backend.db",
            None,
            "--status-file",
            str(self.status_file),
            "--lookup-key",
            str(self.lookup_key_file),
            "--signing-key",
            str(self.signing_key_file),
            *extra,
        )

    @property
    def url(self) -> str:
        return self.server.url

    def write_statuses(self, statuses: Iterable[tuple[str, str]]) -> None:
        """Replace the status file (the backend notices by size or mtime)."""
        lines = ["id_number,status"] + [f"{number},{status}" for number, status in statuses]
        temporary = self.status_file.with_suffix(".tmp")
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(temporary, self.status_file)

    def kiosk_settings(self, **more: object) -> dict[str, object]:
        """kiosk.toml settings that pair a kiosk with this backend."""
        return {
            "backend_url": self.url,
            "verifier_lookup_key": self.lookup_key_file.read_text().strip(),
            "verifier_public_key": self.public_key,
            **more,
        }

    def start(self, timeout_s: float = 20.0) -> VerifierBackend:
        self.server.start(timeout_s)
        return self

    def stop(self) -> None:
        self.server.stop()
