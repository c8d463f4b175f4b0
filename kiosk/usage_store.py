"""The usage log on disk: `<data dir>/usage.db`, written by one thread of its own.

Recording (kiosk/usage.py) only puts a tuple on a queue; the `usage-writer` thread writes
what queued up within WRITE_AFTER_S of the first row in one transaction, deletes sessions
older than the retention, and hands finished rows to the uploader (kiosk/usage_upload.py),
which puts them in the outbox in batches. A file apart from kiosk.db: a tap must never wait
for the store's writer lock nor cost a FULL fsync, and nothing here is personal
(synchronous=NORMAL and the gathering: a power cut may lose the last second or two of taps,
never a submission).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from offline_cache.database import SQLITE_HEAP_LIMIT_BYTES

log = logging.getLogger(__name__)

BATCH_EVENTS = 500  # one upload (the backend takes up to 500 events a request)
# Rows gather this long before the writer wakes for them: waking on every tap, it wrote
# while the GUI thread was still painting that tap's answer.
WRITE_AFTER_S = 0.5
DRAIN_MAX_ROWS = 5000  # one transaction at most
PACK_EVERY_S = 60.0  # try again to hand rows to the outbox (it was full, or offline)
PURGE_EVERY_S = 3600.0
COLUMNS = (
    "session_id",
    "seq",
    "event",
    "started_local",
    "utc_offset_min",
    "offset_ms",
    "fields",
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    started_local TEXT NOT NULL,
    utc_offset_min INTEGER NOT NULL,
    started_utc REAL NOT NULL,
    offset_ms INTEGER NOT NULL,
    fields TEXT NOT NULL,
    batch TEXT,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_unbatched ON events (started_utc) WHERE batch IS NULL;
CREATE INDEX IF NOT EXISTS events_by_day ON events (started_local);
"""

# (session_id, seq, event, started_local, utc_offset_min, started_utc, offset_ms, fields)
Row = tuple[str, int, str, str, int, float, int, dict]
# Takes up to BATCH_EVENTS rows (as dicts for the wire); returns the batch's key, or None
# when the outbox cannot take it now.
Uploader = Callable[[list[dict]], str | None]
_STOP = object()


class UsageStore:
    def __init__(
        self,
        path: Path,
        retention_days: float,
        uploader: Uploader | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._retention_s = retention_days * 86400
        self._uploader = uploader
        self._wall = wall
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._hurry = threading.Event()  # a flush or close waits: write now
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self.put = self._put_starting  # the first put starts the writer

    # -- any thread -----------------------------------------------------------------------

    def _put_starting(self, row: Row) -> None:
        self._start()
        self._queue.put(row)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
                self._thread.start()
            self.put = self._queue.put  # from now on a put is all a record costs

    def flush(self, timeout_s: float = 10.0, pack: bool = True) -> bool:
        """Wait until every row put before is written (and, with `pack`, handed to the
        outbox as far as it takes them). False if the writer did not answer in time."""
        self._start()
        done = threading.Event()
        self._queue.put((done, pack))
        self._hurry.set()
        return done.wait(timeout_s)

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        with self._start_lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            self._hurry.set()
            thread.join(30)

    def unbatched(self) -> int:
        """Rows on disk not yet handed to the outbox."""
        if not self.path.exists():
            return 0
        with contextlib.closing(_connect(self.path)) as conn:
            return conn.execute("SELECT COUNT(*) FROM events WHERE batch IS NULL").fetchone()[0]

    def rows(self, since: str | None = None, until: str | None = None) -> Iterator[dict]:
        """Rows whose session started on days `since`..`until` (YYYY-MM-DD, inclusive),
        in order, as dicts of the base columns plus the event's fields."""
        if not self.path.exists():
            return
        query = f"SELECT {', '.join(COLUMNS)} FROM events WHERE 1=1"
        parameters: list[str] = []
        if since:
            query += " AND started_local >= ?"
            parameters.append(since)
        if until:
            query += " AND started_local < ?"
            parameters.append(until + "T99")  # past every time of that day
        query += " ORDER BY started_local, session_id, seq"
        with contextlib.closing(_connect(self.path)) as conn:
            for values in conn.execute(query, parameters):
                row = dict(zip(COLUMNS, values, strict=True))
                row.update(json.loads(row.pop("fields")))
                yield row

    # -- the writer thread ----------------------------------------------------------------

    def _run(self) -> None:
        conn = _connect(self.path)
        next_purge = next_pack = 0.0
        unbatched = BATCH_EVENTS  # unknown at start: try once
        behind = False
        try:
            while True:
                try:
                    item = self._queue.get(timeout=PACK_EVERY_S)
                except queue.Empty:
                    item = None
                is_row = isinstance(item, tuple) and not isinstance(item[0], threading.Event)
                if is_row and not behind:
                    self._hurry.wait(WRITE_AFTER_S)  # a row: let the rest of the tap come
                self._hurry.clear()
                rows, waiters, stop = self._drain(item)
                behind = len(rows) >= DRAIN_MAX_ROWS  # a backlog: no waiting between chunks
                if rows:
                    self._guarded(self._write, conn, rows)
                    unbatched += len(rows)
                now = time.monotonic()
                if now >= next_purge:
                    self._guarded(self._purge, conn)
                    next_purge = now + PURGE_EVERY_S
                if (
                    unbatched >= BATCH_EVENTS
                    or now >= next_pack
                    or any(pack for _, pack in waiters)
                    or any(row[2] == "session_ended" for row in rows)
                ):
                    self._guarded(self._pack, conn)
                    unbatched, next_pack = 0, now + PACK_EVERY_S
                for done, _ in waiters:
                    done.set()
                if stop:
                    return
        finally:
            conn.close()

    def _drain(self, first) -> tuple[list[Row], list[tuple[threading.Event, bool]], bool]:
        rows: list[Row] = []
        waiters: list[tuple[threading.Event, bool]] = []
        item, stop = first, False
        while item is not None:
            if item is _STOP:
                stop = True
            elif isinstance(item, tuple) and isinstance(item[0], threading.Event):
                waiters.append(item)
            else:
                rows.append(item)
            if len(rows) >= DRAIN_MAX_ROWS:
                break
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                item = None
        return rows, waiters, stop

    def _guarded(self, work: Callable, *args) -> None:
        # The usage log must never take the kiosk down: a failure is logged and the
        # writer goes on (the rows stay queued in SQLite or are lost, never the service).
        try:
            work(*args)
        except Exception:
            log.exception("usage log: %s failed", work.__name__)

    def _write(self, conn: sqlite3.Connection, rows: list[Row]) -> None:
        with conn:
            conn.executemany(
                "INSERT OR IGNORE INTO events (session_id, seq, event, started_local,"
                " utc_offset_min, started_utc, offset_ms, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row[:7], json.dumps(row[7], separators=(",", ":"))) for row in rows],
            )

    def _purge(self, conn: sqlite3.Connection) -> None:
        cutoff = self._wall() - self._retention_s
        with conn:
            deleted = conn.execute("DELETE FROM events WHERE started_utc < ?", [cutoff]).rowcount
        if deleted:
            log.info("usage log: %d event(s) past the retention deleted", deleted)

    def _pack(self, conn: sqlite3.Connection) -> None:
        """Hand unbatched rows to the outbox, BATCH_EVENTS at a time, while it takes them.
        The batch key is written on the rows after the outbox committed: a crash between
        the two sends those rows again in another batch, and the backend keeps each
        (session, seq) once."""
        if self._uploader is None:
            return
        while True:
            found = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM events WHERE batch IS NULL"
                " ORDER BY started_utc, session_id, seq LIMIT ?",
                [BATCH_EVENTS],
            ).fetchall()
            if not found:
                return
            wire = []
            for values in found:
                row = dict(zip(COLUMNS, values, strict=True))
                row["fields"] = json.loads(row["fields"])
                wire.append(row)
            key = self._uploader(wire)
            if key is None:
                return
            with conn:
                conn.executemany(
                    "UPDATE events SET batch = ? WHERE session_id = ? AND seq = ?",
                    [(key, row["session_id"], row["seq"]) for row in wire],
                )
            if len(found) < BATCH_EVENTS:
                return


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    # Appends and one indexed scan for the unbatched rows: a small page cache does
    # (SQLite's default, 2 MiB, only grows the kiosk as usage.db grows).
    conn.execute("PRAGMA cache_size=-512")
    # The process-wide bound on SQLite's memory, set whichever store connects first.
    conn.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_LIMIT_BYTES}")
    conn.executescript(SCHEMA)
    return conn
