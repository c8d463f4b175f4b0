"""The backend's SQLite store: one row per idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass
class StoredSubmission:
    idempotency_key: str
    tracking_number: str
    service_id: str
    kiosk_id: str
    received_at: str
    status: str


class IdempotencyConflict(Exception):
    """The key (or tracking number) was used before with a different payload."""


def payload_hash(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class BackendStore:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            """CREATE TABLE IF NOT EXISTS submissions (
                idempotency_key TEXT PRIMARY KEY,
                payload_hash TEXT NOT NULL,
                tracking_number TEXT NOT NULL UNIQUE,
                service_id TEXT NOT NULL,
                kiosk_id TEXT NOT NULL,
                body TEXT NOT NULL,
                received_at TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'received'
            )"""
        )
        # A lock plus the unique constraints: concurrent retries of one key cannot both
        # insert (kobotoolbox kpi #5047).
        self._lock = threading.Lock()

    def create(self, body: dict) -> tuple[StoredSubmission, bool]:
        """Store a submission once. Returns (stored, created); replays are created=False."""
        digest = payload_hash(body)
        key = body["idempotency_key"]
        with self._lock:
            existing = self._conn.execute(
                "SELECT payload_hash FROM submissions WHERE idempotency_key = ?", [key]
            ).fetchone()
            if existing is not None:
                if existing[0] != digest:
                    raise IdempotencyConflict("idempotency key reused with a different payload")
                return self._get("idempotency_key", key), False  # type: ignore[return-value]
            received_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            try:
                self._conn.execute(
                    "INSERT INTO submissions (idempotency_key, payload_hash, tracking_number,"
                    " service_id, kiosk_id, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        key,
                        digest,
                        body["tracking_number"],
                        body["service_id"],
                        body["kiosk_id"],
                        json.dumps(body, ensure_ascii=False),
                        received_at,
                    ],
                )
            except sqlite3.IntegrityError as error:
                raise IdempotencyConflict("tracking number already used by another key") from error
            return self._get("idempotency_key", key), True  # type: ignore[return-value]

    def by_tracking_number(self, tracking_number: str) -> StoredSubmission | None:
        with self._lock:
            return self._get("tracking_number", tracking_number)

    def _get(self, column: str, value: str) -> StoredSubmission | None:
        row = self._conn.execute(
            "SELECT idempotency_key, tracking_number, service_id, kiosk_id, received_at, status"
            f" FROM submissions WHERE {column} = ?",
            [value],
        ).fetchone()
        return StoredSubmission(*row) if row else None

    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
