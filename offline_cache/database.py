"""Opening the store: durability pragmas and numbered schema migrations (Vorta-style)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils


class StoreError(Exception):
    """The store cannot be opened or upgraded."""


def _migrate_to_1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            idempotency_key TEXT NOT NULL UNIQUE,
            tracking_number TEXT NOT NULL UNIQUE,
            service_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sealed_payload BLOB NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE outbox (
            submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
            state TEXT NOT NULL CHECK (state IN
                ('pending', 'in_flight', 'sent', 'failed', 'quarantined')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            acknowledged_at TEXT
        )"""
    )
    db.execute("CREATE INDEX outbox_due ON outbox (state, next_attempt_at, submission_id)")
    db.execute("CREATE TABLE daily_sequence (day TEXT PRIMARY KEY, last INTEGER NOT NULL)")


def _migrate_to_2(db: sqlite_utils.Database) -> None:
    # A finalized submission is immutable (offline-sync.md, 11): a correction is a new
    # submission that names the old one. Deleting sent rows after retention stays allowed.
    db.execute(
        """
        CREATE TRIGGER submissions_are_immutable BEFORE UPDATE ON submissions
        BEGIN
            SELECT RAISE(ABORT, 'finalized submissions are immutable');
        END"""
    )


def _migrate_to_3(db: sqlite_utils.Database) -> None:
    # Staff configuration lives beside the queue so one file holds the kiosk's state.
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute(
        """
        CREATE TABLE staff_pin (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            salt BLOB NOT NULL,
            hash BLOB NOT NULL,
            cost TEXT NOT NULL,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL NOT NULL DEFAULT 0
        )"""
    )


# Index i upgrades schema version i to i + 1. Never edit a shipped migration: add one.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
]
SCHEMA_VERSION = len(MIGRATIONS)


def open_database(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the store at `path`.

    WAL with synchronous=FULL: a submission the villager saw confirmed survives a power
    cut, not only a crash (offline-sync.md, guarantee 1).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so one write spans tables.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    # 2 MiB of page cache per connection (SQLite's default is ~8 MiB): the queue's hot
    # pages fit, and a kiosk that runs for months does not grow towards the default.
    conn.execute("PRAGMA cache_size=-2048")
    db = sqlite_utils.Database(conn)
    _migrate(db)
    return db


def _migrate(db: sqlite_utils.Database) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"store schema {version} is newer than this kiosk ({SCHEMA_VERSION}); "
            "upgrade the kiosk software"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[target - 1](db)
            db.execute(f"PRAGMA user_version = {target}")
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise
