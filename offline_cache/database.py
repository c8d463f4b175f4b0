"""The store: one owner of `kiosk.db`, durability pragmas, numbered schema migrations.

Every thread gets its own SQLite connection and every write runs in a `BEGIN IMMEDIATE`
transaction on it (`Store.write()`). Before, the queue, the audit log, the PIN guard and
the settings shared one connection across threads: another thread's statement could
commit or roll back half of an enqueue (offline-sync.md, "where queues break").
sqlite-utils is not used here for that reason: its `execute()` commits "its" implicit
transaction whenever it finds one open.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from offline_cache.salvage import finish_interrupted_repair, salvage_in_place

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0  # a writer waits this long for another (thread or process) to commit


class StoreError(Exception):
    """The store cannot be opened or upgraded."""


class StoreUnavailable(StoreError):
    """The data directory cannot be written (read-only, wrong owner, missing mount)."""


class StoreInUse(StoreUnavailable):
    """Another process (a running kiosk) has the store open."""


class StoreDamaged(StoreError):
    """`PRAGMA quick_check` failed or SQLite says the file is not a database."""


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(
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
    conn.execute(
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
    conn.execute("CREATE INDEX outbox_due ON outbox (state, next_attempt_at, submission_id)")
    conn.execute("CREATE TABLE daily_sequence (day TEXT PRIMARY KEY, last INTEGER NOT NULL)")


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    # A finalized submission is immutable (offline-sync.md, 11): a correction is a new
    # submission that names the old one. Deleting sent rows after retention stays allowed.
    conn.execute(
        """
        CREATE TRIGGER submissions_are_immutable BEFORE UPDATE ON submissions
        BEGIN
            SELECT RAISE(ABORT, 'finalized submissions are immutable');
        END"""
    )


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    # Staff configuration lives beside the queue so one file holds the kiosk's state.
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )"""
    )
    conn.execute(
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


def _migrate_to_4(conn: sqlite3.Connection) -> None:
    # store_meta: the store's epoch and sequence (tracking numbers that never repeat, even
    # after a store reset or a clock change), the queue key's fingerprint (a lost key is
    # noticed, never replaced over unsent rows). retry_kind tells a wait the server asked
    # for ('server') from one that only waits for the network ('network'): the
    # reachability probe may end the second kind, never the first.
    conn.execute("CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("ALTER TABLE outbox ADD COLUMN retry_kind TEXT NOT NULL DEFAULT 'backoff'")
    # When a row was claimed (wall time): a row left in flight by a sender that died (a
    # killed `kiosk sync --once`) is claimed again once its lease has run out.
    conn.execute("ALTER TABLE outbox ADD COLUMN claimed_at REAL NOT NULL DEFAULT 0")
    conn.execute("DROP TABLE daily_sequence")


# Index i upgrades schema version i to i + 1. Never edit a shipped migration: add one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
    _migrate_to_4,
]
SCHEMA_VERSION = len(MIGRATIONS)


class Store:
    """The kiosk's SQLite file: a connection per thread, one transaction discipline.

    `write()` opens `BEGIN IMMEDIATE` on the calling thread's connection (nested calls
    become savepoints of the outer transaction); `read()` and `read_one()` query on it.
    Other processes (`kiosk sync --once`, `kiosk doctor`) open their own Store on the same
    file; WAL and the busy timeout make them wait their turn.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # By OS thread id, not threading.local: a thread Python did not start (Qt's worker
        # pool) gets a fresh thread state, and so fresh locals, on every call into Python;
        # a connection per call leaked ~400 KB a villager session (benchmarks/ui.py).
        self._by_thread: dict[int, sqlite3.Connection] = {}
        self._native_ids: dict[int, int] = {}  # thread ident -> the kernel's thread id
        self._connections_lock = threading.Lock()
        self._closed = False
        # Writers of this process queue here rather than in SQLite's busy handler, which
        # sleeps and polls (up to 100 ms a turn) and lets a busy thread starve the others.
        # Other processes still wait in the busy handler (BUSY_TIMEOUT_S).
        self._writer = threading.Lock()
        # The schema version found on disk when it was older than this one (1-3: the
        # store holds tracking numbers of the older, date-based form); None otherwise.
        self.upgraded_from: int | None = None
        self._lock_fd: int | None = None  # the data directory's kiosk.lock, held shared
        self.repair = None  # an offline_cache.salvage.RepairReport when it was repaired

    # -- connections ----------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        ident = threading.get_ident()
        conn = self._by_thread.get(ident)
        if conn is None:
            if self._closed:
                raise StoreError("the store is closed")
            threading.current_thread()  # registers a thread Python did not start as alive
            conn = _connect(self.path)
            with self._connections_lock:
                self._close_connections_of_ended_threads()
                self._by_thread[ident] = conn
                self._native_ids[ident] = threading.get_native_id()
        return conn

    def _close_connections_of_ended_threads(self) -> None:
        alive = {thread.ident for thread in threading.enumerate()}
        # Qt's worker thread is not Python's: its Python thread state (and the dummy
        # Thread that registered it) may be dropped between operations while the thread
        # lives on. The kernel knows: /proc/self/task lists the threads still running.
        alive |= {
            ident
            for ident, native in self._native_ids.items()
            if os.path.exists(f"/proc/self/task/{native}")
        }
        for ident in [i for i in self._by_thread if i not in alive]:
            self._native_ids.pop(ident, None)
            with contextlib.suppress(sqlite3.Error):
                self._by_thread.pop(ident).close()

    def close(self) -> None:
        self._closed = True
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the shared lock
            self._lock_fd = None
        with self._connections_lock:
            connections, self._by_thread = list(self._by_thread.values()), {}
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- statements -----------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write on this thread's connection; nested calls are savepoints."""
        conn = self.connection()
        if conn.in_transaction:
            name = f"nested_{id(conn)}_{threading.get_ident()}_{_next_savepoint()}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        with self._writer:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (e.g. "database or disk is full").
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    def read(self, sql: str, parameters: Sequence | dict = ()) -> list[tuple]:
        return self.connection().execute(sql, parameters).fetchall()

    def read_one(self, sql: str, parameters: Sequence | dict = ()) -> tuple | None:
        return self.connection().execute(sql, parameters).fetchone()

    def table_names(self) -> list[str]:
        return [r[0] for r in self.read("SELECT name FROM sqlite_master WHERE type = 'table'")]

    # -- meta -----------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.read_one("SELECT value FROM store_meta WHERE key = ?", [key])
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO store_meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    def quick_check(self) -> str:
        """ "ok", or SQLite's first complaint about the file."""
        try:
            rows = self.read("PRAGMA quick_check(5)")
        except sqlite3.DatabaseError as error:
            return str(error)
        problems = [str(row[0]) for row in rows if row[0] != "ok"]
        return "; ".join(problems) if problems else "ok"


_savepoints = iter(range(1, 2**62))
_savepoints_lock = threading.Lock()


def _next_savepoint() -> int:
    with _savepoints_lock:
        return next(_savepoints)


# All of SQLite's memory in this process (every connection's page cache, both stores):
# past this, SQLite reuses cached pages instead of asking for more. Each thread has its
# own connection, each with up to 1 MiB of cache; without a bound the kiosk grew by the
# page caches of every thread that ever wrote (SQLite held 1.1 -> 3.3 MB over 1,500
# verifier swipes; with the bound it stops at 2.0 MB; queue_sync figures unchanged).
SQLITE_HEAP_LIMIT_BYTES = 2 * 2**20


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so one write spans tables.
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    # 1 MiB of page cache per connection (SQLite's default is 2 MiB; each thread has
    # its own connection): the queue's hot pages fit (benchmarks/queue_sync.py: enqueue
    # p95 0.58 ms, as at 2 MiB), and a kiosk whose queue grows while the network is down
    # holds 1 MiB less a connection (benchmarks/ui.py's RSS stops growing sooner).
    conn.execute("PRAGMA cache_size=-1024")
    conn.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_LIMIT_BYTES}")
    return conn


def prepare_private_directory(directory: Path) -> None:
    """Create the data directory 0700 (the store holds the PIN hash and sealed rows), or
    raise StoreUnavailable with what to do when it cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if directory.stat().st_uid == os.geteuid():
            directory.chmod(0o700)
        probe = directory / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = {
            errno.EROFS: "is on a read-only file system",
            errno.EACCES: "is not writable by this user",
            errno.EPERM: "is not writable by this user",
            errno.ENOSPC: "has no free space",
        }.get(error.errno, f"cannot be written ({error.strerror})")
        raise StoreUnavailable(
            f"the data directory {directory} {reason}; the kiosk cannot keep submissions. "
            "Fix: remount it read-write or give the kiosk user ownership "
            "(chown -R <kiosk user> DIR; chmod 700 DIR), or choose another with --data-dir"
        ) from error


def _make_files_private(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_uid == os.geteuid():
                file.chmod(0o600)


LOCK_FILE = "kiosk.lock"


def open_store(path: Path | str, *, repair: bool = True) -> Store:
    """Open (creating if needed), check and migrate the store at `path`.

    WAL with synchronous=FULL: a submission the villager saw confirmed survives a power
    cut, not only a crash (offline-sync.md, guarantee 1). The file and its WAL are 0600 in
    a 0700 directory. A store that fails `PRAGMA quick_check` is copied aside (never
    overwritten) and what can be read is salvaged into a fresh one (`store.repair` says
    what was kept and lost); with repair=False it raises StoreDamaged instead.

    Every open Store holds `kiosk.lock` shared; a repair needs it exclusive, so a process
    never swaps the file under another one that has it open (its writes would land in
    the moved file). While another process holds the store, a damaged store raises
    StoreDamaged ("restart the kiosk") instead.
    """
    path = Path(path)
    prepare_private_directory(path.parent)
    lock_fd = _lock_shared(path.parent / LOCK_FILE)
    try:
        finish_interrupted_repair(path)
        if not path.exists():
            # Created 0600 before SQLite opens it: SQLite gives the WAL the same mode.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        _make_files_private(path)
        store = Store(path)
        problem = store.quick_check()
        if problem != "ok":
            store.close()
            if not repair:
                raise StoreDamaged(f"{path}: {problem}")
            store = Store(path)
            store.repair = _repair_alone(path, problem, lock_fd)
        try:
            found = _migrate(store)
        except sqlite3.OperationalError as error:
            store.close()
            if "readonly" in str(error) or "read-only" in str(error):
                raise StoreUnavailable(f"{path} is read-only: {error}") from error
            raise
    except BaseException:
        os.close(lock_fd)
        raise
    store.upgraded_from = found if 0 < found < SCHEMA_VERSION else None
    store._lock_fd = lock_fd
    _make_files_private(path)
    return store


def _fresh_store(path: Path) -> Store:
    """An empty store of the current schema, for salvage to fill."""
    store = Store(path)
    _migrate(store)
    return store


@contextlib.contextmanager
def store_held_alone(data_dir: Path) -> Iterator[None]:
    """For work that must not race a running kiosk (`kiosk enrol` changes the identity its
    rows are numbered under): the data directory's kiosk.lock held exclusively while the
    body runs, so no process has the store open and one that starts waits. Raises
    StoreInUse at once if a process has it open."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise StoreInUse(f"a kiosk process has the store in {data_dir} open") from error
        yield
    finally:
        os.close(fd)


def _lock_shared(lock_path: Path) -> int:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _repair_alone(path: Path, problem: str, lock_fd: int):
    """Salvage with the lock held exclusively, or refuse: someone else has the store open."""
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        raise StoreDamaged(
            f"{path} is damaged ({problem}) and another kiosk process has it open; "
            "stop it and start the kiosk again: it repairs the store at start"
        ) from error
    try:
        return salvage_in_place(path, problem, _fresh_store)
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_SH)


def _migrate(store: Store) -> int:
    """Bring the store to SCHEMA_VERSION; returns the version found. Each step re-reads
    the version inside its transaction: two processes opening a new store at once must
    not both run a migration."""
    conn = store.connection()
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"store schema {found} is newer than this kiosk ({SCHEMA_VERSION}); "
            "upgrade the kiosk software"
        )
    while True:
        with store.write():
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                return found
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
