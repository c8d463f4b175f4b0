"""The backend's SQLite store: submissions (one row per idempotency key), usage events,
verifier statuses."""

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


SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    idempotency_key TEXT PRIMARY KEY,
    payload_hash TEXT NOT NULL,
    tracking_number TEXT NOT NULL UNIQUE,
    service_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
);
CREATE TABLE IF NOT EXISTS usage_events (
    event_id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verification_statuses (
    id_number_sha256 TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class BackendStore:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        # A lock plus the unique constraints: concurrent retries of one key cannot both
        # insert (kobotoolbox kpi #5047).
        self._lock = threading.Lock()

    def create(self, body: dict) -> tuple[StoredSubmission, bool]:
        """Store a submission once. Returns (stored, created); replays are created=False."""
        outcome = self.create_many([body])[0]
        if isinstance(outcome, IdempotencyConflict):
            raise outcome
        return outcome

    def create_many(
        self, bodies: list[dict]
    ) -> list[tuple[StoredSubmission, bool] | IdempotencyConflict]:
        """Store a batch in one transaction (one fsync); an outcome per item, in order."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        outcomes: list[tuple[StoredSubmission, bool] | IdempotencyConflict] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for body in bodies:
                    outcomes.append(self._create_one(body, now))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return outcomes

    def _create_one(
        self, body: dict, received_at: str
    ) -> tuple[StoredSubmission, bool] | IdempotencyConflict:
        digest = payload_hash(body)
        key = body["idempotency_key"]
        existing = self._conn.execute(
            "SELECT payload_hash FROM submissions WHERE idempotency_key = ?", [key]
        ).fetchone()
        if existing is not None:
            if existing[0] != digest:
                return IdempotencyConflict("idempotency key reused with a different payload")
            return self._get("idempotency_key", key), False  # type: ignore[return-value]
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
        except sqlite3.IntegrityError:
            return IdempotencyConflict("tracking number already used by another key")
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

    def add_usage_events(self, kiosk_id: str, events: list[dict]) -> int:
        """Store events once each (by event_id); returns how many were new."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            before = self._conn.total_changes
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany(
                "INSERT OR IGNORE INTO usage_events (event_id, kiosk_id, body, received_at)"
                " VALUES (?, ?, ?, ?)",
                [(e["event_id"], kiosk_id, json.dumps(e, ensure_ascii=False), now) for e in events],
            )
            self._conn.execute("COMMIT")
            return self._conn.total_changes - before

    def verification_status(self, id_number_sha256: str) -> tuple[str, str] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT status, updated_at FROM verification_statuses WHERE id_number_sha256 = ?",
                [id_number_sha256],
            ).fetchone()
        return (row[0], row[1]) if row else None

    def set_verification_status(self, id_number_sha256: str, status: str) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            self._conn.execute(
                "INSERT INTO verification_statuses VALUES (?, ?, ?) ON CONFLICT"
                " (id_number_sha256) DO UPDATE SET status = excluded.status,"
                " updated_at = excluded.updated_at",
                [id_number_sha256, status, now],
            )
