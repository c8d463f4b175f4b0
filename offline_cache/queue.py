"""The outbox: submissions waiting to reach the backend, oldest first.

A submission and its outbox row are written in one transaction (offline-sync.md,
guarantee 1); the personal payload is sealed; states move
pending -> in_flight -> sent, or -> failed (retry later) or quarantined (needs staff).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from offline_cache.sealing import PayloadSealer, SealingError


class QueueFull(Exception):
    """New submissions are refused: the row limit or the free-disk minimum is reached."""


@dataclass(frozen=True)
class QueueLimits:
    max_unsent_rows: int = 10_000
    min_free_bytes: int = 200 * 1024 * 1024


@dataclass
class QueuedSubmission:
    id: int
    idempotency_key: str
    tracking_number: str
    service_id: str
    created_at: str
    payload: dict
    attempts: int


@dataclass
class QueueCounts:
    pending: int = 0
    in_flight: int = 0
    failed: int = 0
    quarantined: int = 0
    sent: int = 0
    last_acknowledged_at: str | None = None

    @property
    def unsent(self) -> int:
        return self.pending + self.in_flight + self.failed


class SubmissionQueue:
    """Thread-safe access to the outbox of one store."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        sealer: PayloadSealer,
        limits: QueueLimits | None = None,
    ) -> None:
        self._db = db
        self._sealer = sealer
        self._limits = limits or QueueLimits()
        self._lock = threading.RLock()
        self._directory = _database_directory(db)

    def check_capacity(self) -> None:
        """Raise QueueFull when a new submission must not be accepted (offline-sync.md, 9)."""
        unsent = self.counts().unsent
        if unsent >= self._limits.max_unsent_rows:
            raise QueueFull(f"{unsent} unsent submissions (limit {self._limits.max_unsent_rows})")
        if self._directory is not None:
            free = shutil.disk_usage(self._directory).free
            if free < self._limits.min_free_bytes:
                raise QueueFull(
                    f"{free // 2**20} MiB free (minimum {self._limits.min_free_bytes // 2**20} MiB)"
                )

    def _write(self, statements: Callable[[], object]) -> object:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = statements()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return result

    def enqueue(
        self,
        *,
        idempotency_key: str,
        service_id: str,
        created_at: dt.datetime,
        payload: dict,
        make_tracking_number: Callable[[dt.date, int], str],
    ) -> str:
        """Store a finalized submission durably; return its tracking number.

        Only after this returns may the screen say "submitted". Raises QueueFull past the
        limits, and sqlite3.OperationalError if the disk fills during the write (nothing
        is then written: the transaction rolls back).
        """
        self.check_capacity()
        sealed = self._sealer.seal(
            json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            idempotency_key.encode("ascii"),
        )
        day = created_at.date()

        def statements() -> str:
            self._db.execute(
                "INSERT INTO daily_sequence (day, last) VALUES (?, 1) "
                "ON CONFLICT(day) DO UPDATE SET last = last + 1",
                [day.isoformat()],
            )
            sequence = self._db.execute(
                "SELECT last FROM daily_sequence WHERE day = ?", [day.isoformat()]
            ).fetchone()[0]
            tracking_number = make_tracking_number(day, sequence)
            cursor = self._db.execute(
                "INSERT INTO submissions (idempotency_key, tracking_number, service_id,"
                " created_at, sealed_payload) VALUES (?, ?, ?, ?, ?)",
                [idempotency_key, tracking_number, service_id, created_at.isoformat(), sealed],
            )
            self._db.execute(
                "INSERT INTO outbox (submission_id, state) VALUES (?, 'pending')",
                [cursor.lastrowid],
            )
            return tracking_number

        return self._write(statements)  # type: ignore[return-value]

    def recover_in_flight(self) -> int:
        """After a crash, rows left in flight are sent again (the server deduplicates)."""
        return self._write(
            lambda: (
                self._db.execute(
                    "UPDATE outbox SET state = 'pending' WHERE state = 'in_flight'"
                ).rowcount
            )
        )  # type: ignore[return-value]

    def due(self, now: float, limit: int = 50) -> list[QueuedSubmission]:
        """Unsent rows whose retry time has come, oldest first. Unreadable rows are
        quarantined on the way (never a crash)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.id, s.idempotency_key, s.tracking_number, s.service_id,"
                " s.created_at, s.sealed_payload, o.attempts"
                " FROM outbox o JOIN submissions s ON s.id = o.submission_id"
                " WHERE o.state IN ('pending', 'failed') AND o.next_attempt_at <= ?"
                " ORDER BY s.id LIMIT ?",
                [now, limit],
            ).fetchall()
        due: list[QueuedSubmission] = []
        for row_id, key, tracking, service, created, sealed, attempts in rows:
            try:
                payload = json.loads(self._sealer.open(sealed, key.encode("ascii")))
            except (SealingError, ValueError) as error:
                self.mark_quarantined(row_id, f"unreadable row: {error}")
                continue
            due.append(QueuedSubmission(row_id, key, tracking, service, created, payload, attempts))
        return due

    def mark_in_flight(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        self._write(
            lambda: self._db.conn.executemany(
                "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1"
                " WHERE submission_id = ?",
                [(i,) for i in ids],
            )
        )

    def release(self, ids: Iterable[int]) -> None:
        """Give claimed rows back unsent, without counting an attempt."""
        ids = list(ids)
        if not ids:
            return
        self._write(
            lambda: self._db.conn.executemany(
                "UPDATE outbox SET state = 'pending', attempts = MAX(0, attempts - 1)"
                " WHERE submission_id = ? AND state = 'in_flight'",
                [(i,) for i in ids],
            )
        )

    def mark_sent(self, ids: Iterable[int], acknowledged_at: dt.datetime) -> None:
        ids = list(ids)
        stamp = acknowledged_at.isoformat()
        self._write(
            lambda: self._db.conn.executemany(
                "UPDATE outbox SET state = 'sent', acknowledged_at = ?, last_error = ''"
                " WHERE submission_id = ?",
                [(stamp, i) for i in ids],
            )
        )

    def mark_failed(self, retries: Iterable[tuple[int, str, float]]) -> None:
        """(submission id, reason, next attempt time) for each row to retry later."""
        rows = [(reason[:500], next_at, i) for i, reason, next_at in retries]
        self._write(
            lambda: self._db.conn.executemany(
                "UPDATE outbox SET state = 'failed', last_error = ?, next_attempt_at = ?"
                " WHERE submission_id = ?",
                rows,
            )
        )

    def mark_quarantined(self, submission_id: int, error: str) -> None:
        self._write(
            lambda: self._db.execute(
                "UPDATE outbox SET state = 'quarantined', last_error = ? WHERE submission_id = ?",
                [error[:500], submission_id],
            )
        )

    def purge_sent(self, acknowledged_before: dt.datetime) -> int:
        """Delete sent rows acknowledged before the given time (offline-sync.md, 10)."""
        cutoff = acknowledged_before.isoformat()

        def statements() -> int:
            ids = [
                row[0]
                for row in self._db.execute(
                    "SELECT submission_id FROM outbox WHERE state = 'sent' AND acknowledged_at < ?",
                    [cutoff],
                ).fetchall()
            ]
            self._db.conn.executemany(
                "DELETE FROM outbox WHERE submission_id = ?", [(i,) for i in ids]
            )
            self._db.conn.executemany("DELETE FROM submissions WHERE id = ?", [(i,) for i in ids])
            return len(ids)

        return self._write(statements)  # type: ignore[return-value]

    def count_due(self, now: float) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'failed')"
                " AND next_attempt_at <= ?",
                [now],
            ).fetchone()[0]

    def counts(self) -> QueueCounts:
        with self._lock:
            counts = QueueCounts()
            for state, number in self._db.execute(
                "SELECT state, COUNT(*) FROM outbox GROUP BY state"
            ).fetchall():
                setattr(counts, state, number)
            counts.last_acknowledged_at = self._db.execute(
                "SELECT MAX(acknowledged_at) FROM outbox"
            ).fetchone()[0]
            return counts

    def state_of(self, tracking_number: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT o.state FROM outbox o JOIN submissions s ON s.id = o.submission_id"
                " WHERE s.tracking_number = ?",
                [tracking_number],
            ).fetchone()
        return row[0] if row else None

    def earliest_retry_at(self) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('pending', 'failed')"
            ).fetchone()
        return row[0]


def _database_directory(db: sqlite_utils.Database) -> str | None:
    """The directory of the main database file, for the free-disk check."""
    for _, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and filename:
            return str(Path(filename).parent)
    return None
