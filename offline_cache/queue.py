"""The outbox: submissions waiting to reach the backend, oldest first.

A submission and its outbox row are written in one transaction (offline-sync.md,
guarantee 1); the personal payload is sealed; states move
pending -> in_flight -> sent, or -> failed (retry later) or quarantined (needs staff).

Two things must hold before a submission is accepted, and the queue refuses new ones
(QueueUnavailable, with the reason) until they do:
- the right key: the store records the key's fingerprint; a missing, truncated or
  different key file is never replaced while rows wait to be sent (offline_cache/keys.py);
- a store epoch: tracking numbers are kiosk(4) + epoch(3) + sequence(7) + Luhn(1). The
  epoch is new for every store this kiosk ever created (a ledger file beside the store,
  or the backend's word when the ledger is gone too), so a store reset or a clock change
  never reissues a number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from offline_cache.database import Store
from offline_cache.keys import (
    KeyProblem,
    fingerprint,
    new_key,
    read_key,
    write_key_file,
)
from offline_cache.sealing import PayloadSealer, SealingError

log = logging.getLogger(__name__)

MAX_EPOCH = 199  # legacy date-based numbers have 2yy in the epoch's place: never clash
MAX_SEQUENCE = 9_999_999
UNREADABLE = "unreadable row"
EPOCH_LEDGER = "store-epochs"  # beside the store; outlives it
# The ledger also records how far each epoch's sequence may have gone, a block at a time
# (one fsync per block): a store restored from an older copy resumes past every number
# that may have been given out since.
SEQUENCE_BLOCK = 100


class _StaleKey(Exception):
    """Another process changed the key since this one loaded it: reload, then retry."""


def declare_first_store(directory: Path) -> None:
    """Say that this data directory belongs to a kiosk that has numbered no receipts
    anywhere before (a fresh enrolment, a demo, a test): the first store may take epoch 1
    without asking the backend. Never needed on a kiosk that can reach its backend."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(directory / EPOCH_LEDGER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class QueueFull(Exception):
    """New submissions are refused: the row limit or the free-disk minimum is reached."""


class QueueUnavailable(QueueFull):
    """New submissions are refused until staff or a maintainer acts (the key, numbering,
    enrolment). Nothing already stored is affected."""


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


def utc_stamp(moment: dt.datetime) -> str:
    """One fixed format, so stamps compare as text."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class SubmissionQueue:
    """The outbox of one store. Safe from any thread: each uses its own connection."""

    def __init__(
        self,
        store: Store,
        key_path: Path | str,
        limits: QueueLimits | None = None,
        *,
        epoch_ledger: Path | str | None = None,
        record_kinds: Iterable[str] = (),
    ) -> None:
        self._store = store
        self._key_path = Path(key_path)
        self._limits = limits or QueueLimits()
        self._ledger = Path(epoch_ledger or store.path.parent / EPOCH_LEDGER)
        # service_ids of outbox rows that are records, not submissions (usage batches):
        # sent the same way, left out of counts() (what staff and the limits count).
        self._record_kinds = tuple(record_kinds)
        self._sealer: PayloadSealer | None = None
        self._key: bytes | None = None
        self._reserved = 0  # sequence numbers reserved in the ledger for this epoch
        self.key_problem: KeyProblem | None = None
        self.reload_key()
        self.assign_epoch()
        self._resume_numbering()

    @property
    def store(self) -> Store:
        return self._store

    # -- the key --------------------------------------------------------------------------

    def reload_key(self) -> bool:
        """Check the key file against the store; True when submissions can be sealed and
        opened. Called at start, by every sync round while a problem lasts, and after
        `kiosk keys restore`: unsent rows come back to life when the right key returns."""
        recorded = self._store.meta("key_fingerprint")
        was_blocked = self.key_problem is not None or self._key is None
        try:
            key = read_key(self._key_path)
        except KeyProblem as problem:
            if self._key is not None and fingerprint(self._key) == recorded:
                # The running kiosk still holds the right key: put the file back.
                log.warning("queue key file %s (%s); rewritten from memory", problem.kind, problem)
                write_key_file(self._key_path, self._key)
                key = self._key
            else:
                key = self._replace_key_if_nothing_waits(problem, recorded)
            if key is None:
                return False
        else:
            print_ = fingerprint(key)
            if recorded is None:
                self._store.set_meta("key_fingerprint", print_)
            elif print_ != recorded:
                if self._rows_needing_key() == 0:
                    log.warning(
                        "queue key changed (%s -> %s); no row needed the old one", recorded, print_
                    )
                    self._store.set_meta("key_fingerprint", print_)
                else:
                    self._block(
                        KeyProblem(
                            "wrong_key",
                            f"{self._key_path} is not the key this store was sealed with "
                            f"(fingerprint {print_}, the store expects {recorded})",
                        ),
                        recorded,
                    )
                    return False
        self._sealer = PayloadSealer(key)
        self._key = key
        if self.key_problem is not None:
            log.info("queue key %s is back; unsent rows can be sent again", fingerprint(key))
        self.key_problem = None
        if was_blocked:
            self._revive_rows_quarantined_as_unreadable()
        return True

    def _check_key_current(self, conn: sqlite3.Connection) -> None:
        """Inside a write: the store still records the key this process seals with."""
        row = conn.execute("SELECT value FROM store_meta WHERE key = 'key_fingerprint'").fetchone()
        if self._key is None or row is None or row[0] != fingerprint(self._key):
            raise _StaleKey

    def _replace_key_if_nothing_waits(
        self, problem: KeyProblem, recorded: str | None
    ) -> bytes | None:
        """A new key only when no row still needs the old one; both decided inside one
        write transaction, so two processes cannot mint two keys."""
        with self._store.write() as conn:
            try:
                key = read_key(self._key_path)  # another process may have just made it
            except KeyProblem:
                key = None
            if key is None:
                waiting = self._rows_needing_key()
                if waiting:
                    self._block(problem, recorded, waiting)
                    return None
                key = new_key()
                write_key_file(self._key_path, key)
                if recorded is not None:
                    log.warning(
                        "queue key %s (%s); no unsent row needed it, so a new key was made",
                        problem.kind,
                        problem,
                    )
            conn.execute(
                "INSERT INTO store_meta (key, value) VALUES ('key_fingerprint', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [fingerprint(key)],
            )
        return key

    def _block(self, problem: KeyProblem, recorded: str | None, waiting: int | None = None):
        waiting = self._rows_needing_key() if waiting is None else waiting
        self._sealer = None
        self._key = None
        problem.args = (
            f"{problem} — {waiting} row(s) wait for the key with fingerprint {recorded}. "
            "Fix: restore it (kiosk keys restore BACKUP) or put the original queue.key "
            "back; new submissions are refused until then and nothing is deleted",
        )
        if self.key_problem is None or str(self.key_problem) != str(problem):
            log.error("queue key problem: %s", problem)
        self.key_problem = problem

    def _rows_needing_key(self) -> int:
        return self._store.read_one("SELECT COUNT(*) FROM outbox WHERE state != 'sent'")[0]

    def _revive_rows_quarantined_as_unreadable(self) -> None:
        # Rows an older kiosk quarantined because its key was wrong get another chance;
        # rows really damaged are quarantined again on the way out.
        with self._store.write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'pending', last_error = ''"
                " WHERE state = 'quarantined' AND last_error LIKE ?",
                [UNREADABLE + "%"],
            )

    # -- numbering ------------------------------------------------------------------------

    @property
    def epoch(self) -> int | None:
        value = self._store.meta("epoch")
        return int(value) if value else None

    def assign_epoch(
        self, backend_max_epoch: int | None = None, *, asked: bool = False
    ) -> int | None:
        """Give this store its epoch if it has none: one past every epoch this kiosk used
        (the ledger, the numbers in this store, the backend's `max_epoch` when `asked`).
        With no ledger and no rows, only the backend can tell (a wiped data directory looks
        like a new kiosk): then None until `asked`."""
        if (epoch := self.epoch) is not None:
            return epoch
        # One transaction: the sync thread and a submitting thread (or two processes)
        # asking at once must agree on one epoch.
        with self._store.write() as conn:
            row = conn.execute("SELECT value FROM store_meta WHERE key = 'epoch'").fetchone()
            if row is not None:
                return int(row[0])
            known = set(self._ledger_epochs())
            known.update(self._epochs_in_store())
            if backend_max_epoch is not None:
                known.add(backend_max_epoch)
            # An upgraded store had numbers of the older, date-based form (2yy where the
            # epoch stands): its history is known to be clash-free from epoch 1.
            history = bool(known) or self._ledger.exists() or (self._store.upgraded_from or 0) > 0
            if not history and not asked:
                return None
            epoch = max(known, default=0) + 1
            if epoch > MAX_EPOCH:
                log.error("store epochs exhausted (%d); the kiosk needs a new kiosk number", epoch)
                return None
            self._append_ledger(epoch)
            conn.execute(
                "INSERT INTO store_meta (key, value) VALUES ('epoch', ?), ('sequence', '0')",
                [str(epoch)],
            )
        log.info("this store numbers receipts in epoch %03d", epoch)
        return epoch

    def _ledger_entries(self) -> list[tuple[int, int]]:
        """(epoch, sequence reserved up to) per line; an epoch's first line reserves 0."""
        try:
            lines = self._ledger.read_text(encoding="ascii").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            fields = line.split()
            if fields and all(f.isdigit() for f in fields[:2]):
                entries.append((int(fields[0]), int(fields[1]) if len(fields) > 1 else 0))
        return entries

    def _ledger_epochs(self) -> list[int]:
        return [epoch for epoch, _ in self._ledger_entries()]

    def _resume_numbering(self) -> None:
        """A store that is not the newest this kiosk made (restored from an old copy)
        takes a new epoch; a store behind its epoch's reservation resumes past it."""
        epoch = self.epoch
        if epoch is None:
            return
        entries = self._ledger_entries()
        newest = max((e for e, _ in entries), default=epoch)
        with self._store.write() as conn:
            if newest > epoch:
                log.warning(
                    "this store (epoch %03d) is older than epoch %03d: numbering moves on",
                    epoch,
                    newest,
                )
                epoch = newest + 1
                if epoch > MAX_EPOCH:
                    raise QueueUnavailable("store epochs exhausted; enrol a new kiosk number")
                self._append_ledger(epoch)
                conn.execute("UPDATE store_meta SET value = ? WHERE key = 'epoch'", [str(epoch)])
                conn.execute("UPDATE store_meta SET value = '0' WHERE key = 'sequence'")
                self._reserved = 0
                return
            reserved = max((r for e, r in entries if e == epoch), default=0)
            row = conn.execute("SELECT value FROM store_meta WHERE key = 'sequence'").fetchone()
            sequence = int(row[0]) if row else 0
            if reserved > sequence:
                conn.execute(
                    "INSERT INTO store_meta (key, value) VALUES ('sequence', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [str(reserved)],
                )
            if not entries:
                self._append_ledger(epoch)  # a ledger lost beside a live store: start again
            self._reserved = reserved

    def _epochs_in_store(self) -> list[int]:
        epochs = []
        for (number,) in self._store.read("SELECT tracking_number FROM submissions"):
            if len(number) == 15 and number.isdigit() and 1 <= int(number[4:7]) <= MAX_EPOCH:
                epochs.append(int(number[4:7]))
        return epochs

    def _append_ledger(self, epoch: int, reserved: int | None = None) -> None:
        line = f"{epoch}\n" if reserved is None else f"{epoch} {reserved}\n"
        fd = os.open(self._ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- accepting ------------------------------------------------------------------------

    def refusal(self) -> str | None:
        """Why new submissions are refused right now, or None."""
        if self.key_problem is not None:
            return f"queue key {self.key_problem.kind}: {self.key_problem}"
        if self.epoch is None:
            return (
                "this store has no epoch for its tracking numbers yet: it needs one contact "
                "with the backend (the epoch ledger store-epochs is missing)"
            )
        return None

    def check_capacity(self) -> None:
        """Raise QueueFull when a new submission must not be accepted (offline-sync.md, 9)."""
        if (reason := self.refusal()) is not None:
            raise QueueUnavailable(reason)
        unsent = self.counts().unsent
        if unsent >= self._limits.max_unsent_rows:
            raise QueueFull(f"{unsent} unsent submissions (limit {self._limits.max_unsent_rows})")
        free = shutil.disk_usage(self._store.path.parent).free
        if free < self._limits.min_free_bytes:
            raise QueueFull(
                f"{free // 2**20} MiB free (minimum {self._limits.min_free_bytes // 2**20} MiB)"
            )

    def enqueue(
        self,
        *,
        idempotency_key: str,
        service_id: str,
        created_at: dt.datetime,
        payload: dict,
        make_tracking_number: Callable[[int, int], str] | None,
    ) -> str:
        """Store a finalized submission durably; return its tracking number.

        `make_tracking_number(epoch, sequence)`; None for a record that takes no number
        (a usage batch: its reference is `service_id:idempotency_key`). Only after this
        returns may the screen say "submitted". Raises QueueFull past the limits or when
        the disk fills during the write (nothing is then written: the transaction rolls
        back), QueueUnavailable while the key or the numbering is missing.
        """
        self.check_capacity()
        for _ in range(2):
            try:
                return self._enqueue_once(
                    idempotency_key, service_id, created_at, payload, make_tracking_number
                )
            except _StaleKey:
                self.reload_key()  # another process changed the key: never seal with a
                # key the store no longer records (those rows would be unreadable later)
        raise QueueUnavailable(self.refusal() or "the queue key keeps changing")

    def _enqueue_once(self, idempotency_key, service_id, created_at, payload, make_number):
        sealer = self._sealer
        if sealer is None:
            raise QueueUnavailable(self.refusal() or "queue key unavailable")
        sealed = sealer.seal(
            json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            idempotency_key.encode("ascii"),
        )
        make_tracking_number = make_number
        try:
            with self._store.write() as conn:
                self._check_key_current(conn)
                if make_tracking_number is None:
                    tracking_number = f"{service_id}:{idempotency_key}"
                else:
                    tracking_number = make_tracking_number(*self._next_number(conn))
                cursor = conn.execute(
                    "INSERT INTO submissions (idempotency_key, tracking_number, service_id,"
                    " created_at, sealed_payload) VALUES (?, ?, ?, ?, ?)",
                    [idempotency_key, tracking_number, service_id, created_at.isoformat(), sealed],
                )
                conn.execute(
                    "INSERT INTO outbox (submission_id, state) VALUES (?, 'pending')",
                    [cursor.lastrowid],
                )
        except sqlite3.OperationalError as error:
            if "full" in str(error) or "disk" in str(error):
                raise QueueFull(f"store write failed: {error}") from error
            raise
        return tracking_number

    def _next_number(self, conn: sqlite3.Connection) -> tuple[int, int]:
        rows = dict(
            conn.execute(
                "SELECT key, value FROM store_meta WHERE key IN ('epoch', 'sequence')"
            ).fetchall()
        )
        if "epoch" not in rows:
            raise QueueUnavailable(self.refusal() or "no epoch")
        sequence = int(rows.get("sequence", "0")) + 1
        if sequence > MAX_SEQUENCE:
            raise QueueUnavailable("this store's tracking numbers are used up; start a new store")
        conn.execute(
            "INSERT INTO store_meta (key, value) VALUES ('sequence', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [str(sequence)],
        )
        epoch = int(rows["epoch"])
        if sequence > self._reserved:
            # Before the number can be given out (the transaction commits after this).
            self._reserved = sequence + SEQUENCE_BLOCK - 1
            self._append_ledger(epoch, self._reserved)
        return epoch, sequence

    # -- sending --------------------------------------------------------------------------

    def recover_in_flight(self) -> int:
        """After a crash, rows left in flight are sent again (the server deduplicates)."""
        with self._store.write() as conn:
            return conn.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'in_flight'"
            ).rowcount

    def claim(
        self,
        now: float,
        limit: int = 50,
        after_id: int = 0,
        lease_s: float | None = None,
    ) -> list[QueuedSubmission]:
        """Due rows, oldest first, marked in flight in the same transaction (so two
        senders, even in two processes, never claim the same row). Rows that cannot be
        opened with the right key are quarantined on the way; with no usable key nothing
        is claimed. `after_id`: only rows newer than this one (a round moves forward and
        never takes back a row it already tried). `lease_s`: rows in flight for longer than
        this (their sender died) are claimed again; the backend turns a repeat into a
        replay."""
        sealer = self._sealer
        if sealer is None:
            return []
        claimed: list[QueuedSubmission] = []
        wall = time.time()
        lease = float("inf") if lease_s is None else lease_s
        with self._store.write() as conn:
            try:
                self._check_key_current(conn)
            except _StaleKey:
                return []  # the next sync round reloads the key
            rows = conn.execute(
                "SELECT s.id, s.idempotency_key, s.tracking_number, s.service_id,"
                " s.created_at, s.sealed_payload, o.attempts"
                " FROM outbox o JOIN submissions s ON s.id = o.submission_id"
                " WHERE ((o.state IN ('pending', 'failed') AND o.next_attempt_at <= ?)"
                "   OR (o.state = 'in_flight' AND (o.claimed_at < ? OR o.claimed_at > ?)))"
                " AND s.id > ? ORDER BY s.id LIMIT ?",
                [now, wall - lease, wall + lease, after_id, limit],
            ).fetchall()
            for row_id, key, tracking, service, created, sealed, attempts in rows:
                try:
                    payload = json.loads(sealer.open(sealed, key.encode("ascii")))
                except (SealingError, ValueError) as error:
                    conn.execute(
                        "UPDATE outbox SET state = 'quarantined', last_error = ?"
                        " WHERE submission_id = ?",
                        [f"{UNREADABLE}: {error}"[:500], row_id],
                    )
                    log.error("submission %s quarantined: %s", tracking, error)
                    continue
                conn.execute(
                    "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1,"
                    " claimed_at = ? WHERE submission_id = ?",
                    [wall, row_id],
                )
                claimed.append(
                    QueuedSubmission(row_id, key, tracking, service, created, payload, attempts + 1)
                )
        return claimed

    def release(self, ids: Iterable[int]) -> None:
        """Give claimed rows back unsent, without counting an attempt."""
        ids = list(ids)
        if not ids:
            return
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE outbox SET state = 'pending', attempts = MAX(0, attempts - 1)"
                " WHERE submission_id = ? AND state = 'in_flight'",
                [(i,) for i in ids],
            )

    def mark_sent(self, ids: Iterable[int], acknowledged_at: dt.datetime) -> None:
        stamp = utc_stamp(acknowledged_at)
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE outbox SET state = 'sent', acknowledged_at = ?, last_error = ''"
                " WHERE submission_id = ? AND state != 'sent'",
                [(stamp, i) for i in ids],
            )

    def mark_failed(self, retries: Iterable[tuple[int, str, float, str]]) -> None:
        """(submission id, reason, next attempt time, kind) for each row to retry later.
        kind: 'network' (the backend could not be reached), 'server' (it answered, or
        asked us to wait)."""
        rows = [(reason[:500], next_at, kind, i) for i, reason, next_at, kind in retries]
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE outbox SET state = 'failed', last_error = ?, next_attempt_at = ?,"
                " retry_kind = ? WHERE submission_id = ? AND state != 'sent'",
                rows,
            )

    def mark_quarantined(self, submission_id: int, error: str) -> None:
        with self._store.write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'quarantined', last_error = ? WHERE submission_id = ?",
                [error[:500], submission_id],
            )

    def end_network_waits(self) -> int:
        """The network is back: rows that waited only for it are due now. Waits the
        server asked for (Retry-After, its errors' backoff) are untouched."""
        with self._store.write() as conn:
            return conn.execute(
                "UPDATE outbox SET next_attempt_at = 0"
                " WHERE state = 'failed' AND retry_kind = 'network'"
            ).rowcount

    def shift_schedule(self, seconds: float) -> None:
        """The wall clock jumped by `seconds`: move every stored retry time with it."""
        with self._store.write() as conn:
            conn.execute(
                "UPDATE outbox SET next_attempt_at = next_attempt_at + ?"
                " WHERE state IN ('pending', 'failed') AND next_attempt_at > 0",
                [seconds],
            )

    def clamp_schedule(self, now: float, longest_wait_s: float) -> int:
        """No retry lies further ahead than the longest wait we ever set: a stamp beyond
        it was made under a clock that has since gone back (e.g. while the kiosk was off)."""
        with self._store.write() as conn:
            return conn.execute(
                "UPDATE outbox SET next_attempt_at = ?"
                " WHERE state IN ('pending', 'failed') AND next_attempt_at > ?",
                [now + longest_wait_s, now + longest_wait_s],
            ).rowcount

    def purge_sent(self, now: dt.datetime, retention: dt.timedelta) -> int:
        """Delete sent rows acknowledged `retention` ago (offline-sync.md, 10). A stamp in
        the future was made under a clock that ran ahead: it is re-stamped now, so personal
        data is kept `retention` from today, not from a date that may never come."""
        cutoff = utc_stamp(now - retention)
        with self._store.write() as conn:
            conn.execute(
                "UPDATE outbox SET acknowledged_at = ? WHERE state = 'sent'"
                " AND acknowledged_at > ?",
                [utc_stamp(now), utc_stamp(now + dt.timedelta(minutes=5))],
            )
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT submission_id FROM outbox WHERE state = 'sent' AND acknowledged_at < ?",
                    [cutoff],
                ).fetchall()
            ]
            conn.executemany("DELETE FROM outbox WHERE submission_id = ?", [(i,) for i in ids])
            conn.executemany("DELETE FROM submissions WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    # -- reading --------------------------------------------------------------------------

    def count_due(self, now: float) -> int:
        """Submissions due now (records are not counted, as in counts())."""
        marks = ", ".join("?" * len(self._record_kinds))
        return self._store.read_one(
            "SELECT COUNT(*) FROM outbox o JOIN submissions s ON s.id = o.submission_id"
            " WHERE o.state IN ('pending', 'failed') AND o.next_attempt_at <= ?"
            f" AND s.service_id NOT IN ({marks})",
            [now, *self._record_kinds],
        )[0]

    def counts(self) -> QueueCounts:
        """Submissions (and ratings) by state; records (record_kinds) are not counted."""
        counts = QueueCounts()
        marks = ", ".join("?" * len(self._record_kinds))
        rows = self._store.read(
            "SELECT o.state, COUNT(*), MAX(o.acknowledged_at) FROM outbox o"
            " JOIN submissions s ON s.id = o.submission_id"
            f" WHERE s.service_id NOT IN ({marks}) GROUP BY o.state",
            self._record_kinds,
        )
        for state, number, acknowledged in rows:
            setattr(counts, state, number)
            if acknowledged and (counts.last_acknowledged_at or "") < acknowledged:
                counts.last_acknowledged_at = acknowledged
        return counts

    def unsent_of(self, service_id: str) -> int:
        """Unsent rows of one kind of record (e.g. usage batches)."""
        return self._store.read_one(
            "SELECT COUNT(*) FROM outbox o JOIN submissions s ON s.id = o.submission_id"
            " WHERE s.service_id = ? AND o.state IN ('pending', 'in_flight', 'failed')",
            [service_id],
        )[0]

    def state_of(self, tracking_number: str) -> str | None:
        row = self._store.read_one(
            "SELECT o.state FROM outbox o JOIN submissions s ON s.id = o.submission_id"
            " WHERE s.tracking_number = ?",
            [tracking_number],
        )
        return row[0] if row else None

    def earliest_retry_at(self) -> float | None:
        return self._store.read_one(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('pending', 'failed')"
        )[0]

    def quarantined(self, limit: int = 20) -> list[tuple[str, str]]:
        """(tracking number, reason) of quarantined rows, for staff."""
        return self._store.read(
            "SELECT s.tracking_number, o.last_error FROM outbox o"
            " JOIN submissions s ON s.id = o.submission_id WHERE o.state = 'quarantined'"
            " ORDER BY s.id LIMIT ?",
            [limit],
        )
