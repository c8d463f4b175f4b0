"""A damaged store is set aside, never overwritten, and what can be read is salvaged.

`PRAGMA quick_check` failing at boot means some pages are garbage (a disk that lies about
fsync, a bad sector, a copy taken mid-write). The damaged file and its WAL are copied to
`damaged/` beside the store; a fresh store is built next to it from every row that can
still be read, table by table, row by row, so one bad page costs the rows on that page
and nothing else, and only then swapped in. Submissions keep their idempotency key and
tracking number, so the ones that reach the backend again are replays, not duplicates. The
fresh store gets a new epoch (tracking numbers of lost rows can never be reissued).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from offline_cache.database import Store

log = logging.getLogger(__name__)

# Per table: the columns copied, in the fresh store's column order.
SALVAGED_TABLES: dict[str, tuple[str, ...]] = {
    "submissions": (
        "id",
        "idempotency_key",
        "tracking_number",
        "service_id",
        "created_at",
        "sealed_payload",
    ),
    "outbox": (
        "submission_id",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "acknowledged_at",
    ),
    "settings": ("key", "value"),
    "audit_log": ("id", "at", "action", "detail"),
    "staff_pin": ("id", "salt", "hash", "cost", "failed_attempts", "locked_until"),
    "store_meta": ("key", "value"),
}
# The old epoch and sequence are not carried over: rows lost with the damage may have
# used numbers past the last readable one.
META_NOT_CARRIED = ("epoch", "sequence")
PROBE_MARGIN = 20_000  # rowids probed past the last readable one when a scan breaks


@dataclass
class RepairReport:
    """What a repair kept and lost, for staff and the audit log (no personal data)."""

    problem: str
    set_aside: Path
    kept: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    unsent_kept: int = 0
    outbox_rebuilt: int = 0  # submissions whose outbox row was lost: queued again

    @property
    def summary(self) -> str:
        kept = self.kept.get("submissions", 0)
        lost = self.unreadable.get("submissions", 0)
        return (
            f"store damaged ({self.problem}); set aside as {self.set_aside}; "
            f"{kept} submission(s) salvaged ({self.unsent_kept} still to send), "
            f"{lost} unreadable; audit rows kept {self.kept.get('audit_log', 0)}"
        )


def salvage_in_place(path: Path, problem: str, open_fresh: Callable[[Path], Store]) -> RepairReport:
    """Copy the damaged store aside, build a fresh one beside it from every readable row,
    then swap it in. The caller holds the store's lock exclusively. `open_fresh` makes an
    empty store of the current schema at a path (given by database.py, which imports this
    module: no import back, no cycle).

    Crash-safe at every step: until the marker `<store>.repairing` is written the damaged
    store stays in place (the next boot repairs again); after it, the next open finishes
    the swap (`finish_interrupted_repair`). The set-aside copy is never written to.
    """
    aside = _copy_aside(path)
    report = RepairReport(problem=problem, set_aside=aside)
    log.error("store %s is damaged (%s); copied aside as %s", path, problem, aside)
    fresh_path = path.with_name(path.name + ".salvage-new")
    _remove_with_wal(fresh_path)
    fresh = open_fresh(fresh_path)
    scratch = aside.with_name(aside.name + ".salvaging")
    try:
        _copy_with_wal(aside, scratch)
        try:
            damaged = sqlite3.connect(scratch, isolation_level=None)
            damaged.execute("PRAGMA schema_version")
        except sqlite3.DatabaseError as error:
            report.unreadable["whole file"] = 1
            log.error("nothing can be read from %s: %s", aside, error)
        else:
            try:
                _copy_tables(damaged, fresh, report)
            finally:
                damaged.close()
        # The repair is recorded in the repaired store itself, so staff learn of it even
        # if the kiosk stops before it can raise the alert.
        with fresh.write() as conn:
            conn.execute(
                "INSERT INTO audit_log (at, action, detail) VALUES (?, 'store_repaired', ?)",
                [dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), report.summary[:500]],
            )
        fresh.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        _remove_with_wal(scratch)
        fresh.close()
    _fsync(fresh_path)
    marker = _marker(path)
    marker.write_text(str(aside), encoding="utf-8")
    _fsync(marker)
    _fsync(path.parent)
    _swap_in(path)
    log.error("%s", report.summary)
    return report


def finish_interrupted_repair(path: Path) -> None:
    """A repair stopped after its fresh store was complete: finish the swap."""
    if _marker(path).exists():
        log.warning("finishing an interrupted repair of %s", path)
        _swap_in(path)


def _swap_in(path: Path) -> None:
    fresh_path = path.with_name(path.name + ".salvage-new")
    # The damaged store's WAL must never be applied to the fresh file.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
    if fresh_path.exists():
        os.replace(fresh_path, path)
    _remove_with_wal(fresh_path)
    _fsync(path.parent)
    _marker(path).unlink(missing_ok=True)
    _fsync(path.parent)


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".repairing")


def _copy_aside(path: Path) -> Path:
    directory = path.parent / "damaged"
    directory.mkdir(mode=0o700, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = directory / f"{path.stem}-{stamp}-{os.getpid()}{path.suffix}"
    counter = 1
    while aside.exists():
        aside = directory / f"{path.stem}-{stamp}-{os.getpid()}-{counter}{path.suffix}"
        counter += 1
    # The WAL goes with its database: committed transactions not yet checkpointed.
    _copy_with_wal(path, aside)
    for suffix in ("", "-wal"):
        copy = aside.with_name(aside.name + suffix)
        if copy.exists():
            copy.chmod(0o600)
            _fsync(copy)
    _fsync(directory)
    return aside


def _copy_with_wal(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):
        origin = source.with_name(source.name + suffix)
        if origin.exists():
            shutil.copyfile(origin, target.with_name(target.name + suffix))


def _remove_with_wal(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_tables(damaged: sqlite3.Connection, fresh, report: RepairReport) -> None:
    tables: dict[str, list[tuple]] = {}
    for table, columns in SALVAGED_TABLES.items():
        rows, unreadable = _readable_rows(damaged, table, columns)
        tables[table] = rows
        report.unreadable[table] = unreadable
    submissions = {row[0]: row for row in tables["submissions"]}
    outbox = {row[0]: row for row in tables["outbox"] if row[0] in submissions}
    with fresh.write() as conn:
        conn.executemany(
            "INSERT INTO submissions (id, idempotency_key, tracking_number, service_id,"
            " created_at, sealed_payload) VALUES (?, ?, ?, ?, ?, ?)",
            list(submissions.values()),
        )
        for submission_id in submissions:
            row = outbox.get(submission_id)
            if row is None:
                # The outbox row is gone: send it again; the backend turns a repeat into
                # a replay, so "maybe sent" is safe and "never sent" is not.
                row = (submission_id, "pending", 0, 0.0, "outbox row lost in repair", None)
                report.outbox_rebuilt += 1
            elif row[1] == "in_flight":
                row = (row[0], "pending", *row[2:])
            conn.execute(
                "INSERT INTO outbox (submission_id, state, attempts, next_attempt_at,"
                " last_error, acknowledged_at) VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            if row[1] != "sent":
                report.unsent_kept += 1
        conn.executemany(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", tables["settings"]
        )
        conn.executemany(
            "INSERT INTO audit_log (id, at, action, detail) VALUES (?, ?, ?, ?)",
            tables["audit_log"],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO staff_pin (id, salt, hash, cost, failed_attempts,"
            " locked_until) VALUES (?, ?, ?, ?, ?, ?)",
            tables["staff_pin"][:1],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)",
            [row for row in tables["store_meta"] if row[0] not in META_NOT_CARRIED],
        )
    report.kept = {table: len(rows) for table, rows in tables.items()}
    report.kept["submissions"] = len(submissions)


def _readable_rows(
    conn: sqlite3.Connection, table: str, columns: tuple[str, ...]
) -> tuple[list[tuple], int]:
    """Every row of `table` that can be read, and how many rowids could not be.

    A full scan first; where it breaks, point look-ups by rowid (each walks the b-tree
    from the root, so rows on intact pages are still found past a damaged one).
    """
    wanted = ", ".join(columns)
    rows: list[tuple] = []
    last_rowid = 0
    try:
        cursor = conn.execute(f"SELECT rowid, {wanted} FROM {table} ORDER BY rowid")
        for row in cursor:
            rows.append(row)
            last_rowid = row[0]
        return [row[1:] for row in rows], 0
    except sqlite3.DatabaseError as error:
        if "no such table" in str(error) or not _table_known(conn, table):
            return [row[1:] for row in rows], 0 if "no such table" in str(error) else 1
    upper = last_rowid + PROBE_MARGIN
    with contextlib.suppress(sqlite3.DatabaseError):
        upper = max(upper, conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0)
    failed: list[int] = []
    last_found = last_rowid
    for rowid in range(last_rowid + 1, upper + 1):
        try:
            row = conn.execute(
                f"SELECT rowid, {wanted} FROM {table} WHERE rowid = ?", [rowid]
            ).fetchone()
        except sqlite3.DatabaseError:
            failed.append(rowid)
            continue
        if row is not None:
            rows.append(row)
            last_found = rowid
    # Failed probes past the last row found may be rowids never used; those below it sat
    # on damaged pages. The scan's own failure counts as one at least.
    unreadable = max(1, sum(1 for rowid in failed if rowid < last_found))
    return [row[1:] for row in rows], unreadable


def _table_known(conn: sqlite3.Connection, table: str) -> bool:
    try:
        return (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
            ).fetchone()
            is not None
        )
    except sqlite3.DatabaseError:
        return False
