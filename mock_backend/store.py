"""The backend's SQLite store: submissions (one row per idempotency key), training
submissions (the same, in a table of their own), usage events, the sequence numbers
of the status lists issued (the statuses themselves are HMACs held in memory,
mock_backend/status_list.py), and enrolment: one-time codes and the kiosks that used
them (codes and tokens by SHA-256 only; mock_backend/enrolment.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mock_backend.tracking import MAX_EPOCH, MIN_EPOCH, TRACKING_NUMBER_LENGTH

# Real and training submissions live in separate tables so that nothing reading
# `submissions` (counts, exports, the test helpers reading the file) can mix them up.
REAL, TRAINING = "submissions", "training_submissions"


@dataclass
class StoredSubmission:
    idempotency_key: str
    tracking_number: str
    service_id: str
    kiosk_id: str
    received_at: str
    status: str
    training: bool = False


class IdempotencyConflict(Exception):
    """The key was used before with a different payload, or the tracking number by
    another key. `code` says which, for the API's error field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def payload_hash(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _submissions_table(name: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS {name} (
    idempotency_key TEXT PRIMARY KEY,
    payload_hash TEXT NOT NULL,
    tracking_number TEXT NOT NULL UNIQUE,
    service_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
);
"""


SCHEMA = (
    _submissions_table(REAL)
    + _submissions_table(TRAINING)
    + """
CREATE TABLE IF NOT EXISTS usage_events (
    id INTEGER PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    day TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    in_dataset INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kiosk_id, session_id, seq)
);
CREATE INDEX IF NOT EXISTS usage_events_to_move ON usage_events (id) WHERE in_dataset = 0;
CREATE TABLE IF NOT EXISTS status_lists (
    sequence INTEGER PRIMARY KEY,
    etag TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code_digest TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    kiosk_id TEXT
);
CREATE TABLE IF NOT EXISTS enrolled_kiosks (
    kiosk_id TEXT PRIMARY KEY,
    kiosk_number TEXT NOT NULL UNIQUE,
    token_digest TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL
);
"""
)

Outcome = tuple[StoredSubmission, bool] | IdempotencyConflict


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
        """Store a submission once. Returns (stored, created); replays are created=False.
        `body["training"] is True` stores it as a training submission."""
        outcome = self.create_many([body])[0]
        if isinstance(outcome, IdempotencyConflict):
            raise outcome
        return outcome

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Callable[[], None]]:
        """One write transaction under the lock, committed when the body ends (rolled
        back if it raises, or if it called the `undo` it was given)."""
        undone = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield lambda: undone.append(True)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("ROLLBACK" if undone else "COMMIT")

    def create_many(self, bodies: list[dict]) -> list[Outcome]:
        """Store a batch in one transaction (one fsync); an outcome per item, in order."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        outcomes: list[Outcome] = []
        with self._transaction():
            for body in bodies:
                outcomes.append(self._create_one(body, now))
        return outcomes

    def _create_one(self, body: dict, received_at: str) -> Outcome:
        digest = payload_hash(body)
        key = body["idempotency_key"]
        table = TRAINING if body.get("training") is True else REAL
        # Keys and tracking numbers are unique across both tables: a training run must
        # not take a number (or a key) a real submission has, nor the other way round.
        for other in (REAL, TRAINING):
            existing = self._conn.execute(
                f"SELECT payload_hash FROM {other} WHERE idempotency_key = ?", [key]
            ).fetchone()
            if existing is None:
                continue
            if other != table or existing[0] != digest:
                return IdempotencyConflict(
                    "idempotency_key_reused", "idempotency key reused with a different payload"
                )
            return self._get(table, "idempotency_key", key), False  # type: ignore[return-value]
        for other in (REAL, TRAINING):
            taken = self._conn.execute(
                f"SELECT 1 FROM {other} WHERE tracking_number = ?", [body["tracking_number"]]
            ).fetchone()
            if taken:
                return IdempotencyConflict(
                    "tracking_number_taken", "tracking number already used by another key"
                )
        self._conn.execute(
            f"INSERT INTO {table} (idempotency_key, payload_hash, tracking_number,"
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
        return self._get(table, "idempotency_key", key), True  # type: ignore[return-value]

    def by_tracking_number(self, tracking_number: str) -> StoredSubmission | None:
        """A real or training submission by its number (numbers are unique across both)."""
        with self._lock:
            return self._get(REAL, "tracking_number", tracking_number) or self._get(
                TRAINING, "tracking_number", tracking_number
            )

    def _get(self, table: str, column: str, value: str) -> StoredSubmission | None:
        row = self._conn.execute(
            "SELECT idempotency_key, tracking_number, service_id, kiosk_id, received_at, status"
            f" FROM {table} WHERE {column} = ?",
            [value],
        ).fetchone()
        return StoredSubmission(*row, training=table == TRAINING) if row else None

    def count(self) -> int:
        """Real submissions only: training ones are never counted with them."""
        with self._lock:
            return self._conn.execute(f"SELECT COUNT(*) FROM {REAL}").fetchone()[0]

    def count_training(self) -> int:
        with self._lock:
            return self._conn.execute(f"SELECT COUNT(*) FROM {TRAINING}").fetchone()[0]

    def count_for_kiosk(self, kiosk_id: str) -> int:
        """Real submissions stored by one kiosk."""
        with self._lock:
            return self._conn.execute(
                f"SELECT COUNT(*) FROM {REAL} WHERE kiosk_id = ?", [kiosk_id]
            ).fetchone()[0]

    def max_epoch(self, kiosk_number: str) -> int | None:
        """The largest store epoch among current-layout numbers in this kiosk number's
        space, real or training (both use up numbers); None if there is none yet."""
        # Fixed-width digit strings sort like numbers, so a range scan on the unique
        # index finds epochs 001-199 and skips legacy yymmdd numbers (digits 5-7 >= 200).
        low, high = f"{kiosk_number}{MIN_EPOCH:03d}", f"{kiosk_number}{MAX_EPOCH + 1:03d}"
        query = (
            "SELECT MAX(tracking_number) FROM {table} WHERE tracking_number >= ?"
            " AND tracking_number < ? AND length(tracking_number) = ?"
        )
        best: str | None = None
        with self._lock:
            for table in (REAL, TRAINING):
                found = self._conn.execute(
                    query.format(table=table), [low, high, TRACKING_NUMBER_LENGTH]
                ).fetchone()[0]
                if found is not None and (best is None or found > best):
                    best = found
        return int(best[4:7]) if best is not None else None

    def add_usage_events(self, kiosk_id: str, events: list[dict]) -> int:
        """Store events once each (by kiosk, session and seq); returns how many were new."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO usage_events (kiosk_id, session_id, seq, day, body,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        kiosk_id,
                        e["session_id"],
                        e["seq"],
                        e["started_local"][:10],
                        json.dumps(e, ensure_ascii=False, separators=(",", ":")),
                        now,
                    )
                    for e in events
                ],
            )
            return self._conn.total_changes - before

    def usage_events_to_move(self, limit: int) -> list[tuple[int, str, str, str]]:
        """(row number, day, kiosk id, event as JSON) of events not yet in the Parquet
        dataset, oldest first."""
        with self._lock:
            return self._conn.execute(
                "SELECT id, day, kiosk_id, body FROM usage_events WHERE in_dataset = 0"
                " ORDER BY id LIMIT ?",
                [limit],
            ).fetchall()

    def mark_usage_events_moved(self, up_to: int) -> None:
        """Every event stored up to row `up_to` is in the dataset now."""
        with self._lock:
            self._conn.execute(
                "UPDATE usage_events SET in_dataset = 1 WHERE in_dataset = 0 AND id <= ?",
                [up_to],
            )

    def count_usage_events_to_move(self) -> int:
        with self._lock:
            return self._conn.execute(
                "SELECT COUNT(*) FROM usage_events WHERE in_dataset = 0"
            ).fetchone()[0]

    def last_list_sequence(self) -> int:
        """The highest status list sequence ever issued (0 for none): a restarted backend
        goes on from there, so a kiosk never sees a sequence go back."""
        with self._lock:
            return self._conn.execute("SELECT MAX(sequence) FROM status_lists").fetchone()[0] or 0

    def record_list(self, sequence: int, etag: str) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            self._conn.execute("INSERT INTO status_lists VALUES (?, ?, ?)", [sequence, etag, now])

    # -- enrolment (mock_backend/enrolment.py) ---------------------------------------------

    def offer_enrolment_codes(self, codes: list[tuple[str, str]]) -> None:
        """(code digest, expires at) pairs. A code seen before keeps its first expiry and
        its use: restarting the backend with the same codes renews nothing."""
        with self._lock:
            self._conn.executemany(
                "INSERT OR IGNORE INTO enrolment_codes (code_digest, expires_at) VALUES (?, ?)",
                codes,
            )

    def redeem_enrolment_code(
        self,
        code_digest: str,
        now: str,
        token_digest: str,
        pick: Callable[[set[str]], tuple[str, str]],
    ) -> tuple[str, str, str]:
        """("enrolled", kiosk id, number), or ("unknown" | "used" | "expired", "", "").
        `pick` chooses the id and number given every number already used by an enrolled
        kiosk or a stored submission; it may raise, which changes nothing. One
        transaction: a code enrols one kiosk, however many ask at once."""
        with self._transaction() as undo:
            outcome = self._redeem(code_digest, now, token_digest, pick)
            if outcome[0] != "enrolled":
                undo()
            return outcome

    def _redeem(
        self,
        code_digest: str,
        now: str,
        token_digest: str,
        pick: Callable[[set[str]], tuple[str, str]],
    ) -> tuple[str, str, str]:
        row = self._conn.execute(
            "SELECT expires_at, used_at FROM enrolment_codes WHERE code_digest = ?",
            [code_digest],
        ).fetchone()
        if row is None:
            return "unknown", "", ""
        if row[1] is not None:
            return "used", "", ""
        if row[0] <= now:
            return "expired", "", ""
        used = {
            number
            for (number,) in self._conn.execute(
                "SELECT kiosk_number FROM enrolled_kiosks UNION "
                f"SELECT DISTINCT substr(tracking_number, 1, 4) FROM {REAL} UNION "
                f"SELECT DISTINCT substr(tracking_number, 1, 4) FROM {TRAINING}"
            )
        }
        kiosk_id, number = pick(used)
        self._conn.execute(
            "INSERT INTO enrolled_kiosks VALUES (?, ?, ?, ?)", [kiosk_id, number, token_digest, now]
        )
        self._conn.execute(
            "UPDATE enrolment_codes SET used_at = ?, kiosk_id = ? WHERE code_digest = ?",
            [now, kiosk_id, code_digest],
        )
        return "enrolled", kiosk_id, number

    def enrolled_kiosks(self) -> list[tuple[str, str, str]]:
        """(kiosk id, number, token digest) of every kiosk that enrolled itself."""
        with self._lock:
            return self._conn.execute(
                "SELECT kiosk_id, kiosk_number, token_digest FROM enrolled_kiosks"
            ).fetchall()
