import ctypes
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from offline_cache.database import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SQLITE_HEAP_LIMIT_BYTES,
    Store,
    StoreError,
    StoreUnavailable,
    open_store,
)


def test_durability_pragmas_are_set_on_every_threads_connection(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    seen = []

    def look():
        conn = store.connection()
        seen.append(
            (
                conn.execute("PRAGMA journal_mode").fetchone()[0],
                conn.execute("PRAGMA synchronous").fetchone()[0],
                conn.execute("PRAGMA busy_timeout").fetchone()[0],
            )
        )

    look()
    worker = threading.Thread(target=look)
    worker.start()
    worker.join()
    assert seen == [("wal", 2, 10_000)] * 2  # WAL, FULL, a busy timeout, on both threads
    assert (tmp_path / "kiosk.db-wal").exists()


def sqlite_memory_used() -> int:
    """SQLite's own count of the heap it holds in this process (all connections)."""
    library = ctypes.CDLL("libsqlite3.so.0")
    library.sqlite3_libversion.restype = ctypes.c_char_p
    # The copy the sqlite3 module uses (a Python with SQLite built in would read ~0 here).
    assert library.sqlite3_libversion().decode() == sqlite3.sqlite_version
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return library.sqlite3_memory_used()


def six_threads_read_a_large_store(path: Path) -> int:
    """SQLite's heap while six threads, each with its own connection, have each read
    an 7 MB table through their page cache and are still alive."""
    store = open_store(path)
    with store.write() as conn:
        conn.execute("CREATE TABLE bulk (id INTEGER PRIMARY KEY, body BLOB)")
        conn.executemany(
            "INSERT INTO bulk (body) VALUES (?)", ((os.urandom(900),) for _ in range(8000))
        )
    assert store.read_one("PRAGMA soft_heap_limit")[0] == SQLITE_HEAP_LIMIT_BYTES
    all_read = threading.Barrier(6 + 1)
    measured = threading.Event()

    def read_everything() -> None:  # and stay alive with a full cache until measured
        assert store.read_one("SELECT sum(length(body)) FROM bulk")[0] == 8000 * 900
        all_read.wait(30)
        measured.wait(30)

    workers = [threading.Thread(target=read_everything) for _ in range(6)]
    for worker in workers:
        worker.start()
    all_read.wait(30)
    used = sqlite_memory_used()
    measured.set()
    for worker in workers:
        worker.join()
    return used


def test_page_caches_of_many_threads_stay_within_one_bound(tmp_path):
    """Each thread's connection caches up to 1 MiB of pages; a kiosk whose threads each
    read a large store would hold all of those. The process-wide soft heap limit makes
    SQLite reuse pages past SQLITE_HEAP_LIMIT_BYTES instead. In a fresh interpreter: the
    limit counts every connection in the process, and other tests leave theirs open."""
    probe = (
        "import sys; from pathlib import Path; "
        "from tests.unit.offline_cache.test_database import six_threads_read_a_large_store; "
        "print(six_threads_read_a_large_store(Path(sys.argv[1])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "kiosk.db")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    used = int(done.stdout)
    # Six threads' caches of 1 MiB each would be 6+ MiB (7.9 measured without the limit).
    # Over the limit: what is not page cache, ~100 KB a connection (its lookaside buffer,
    # schema, statements), and pages read by threads at the same moment.
    assert 2**20 < used < SQLITE_HEAP_LIMIT_BYTES + 2**20, used  # caches filled, bounded


def test_each_thread_has_its_own_connection(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    other = []
    worker = threading.Thread(target=lambda: other.append(store.connection()))
    worker.start()
    worker.join()
    assert other[0] is not store.connection()


def test_new_store_is_at_the_current_schema_version(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    assert store.read_one("PRAGMA user_version")[0] == SCHEMA_VERSION
    assert {"submissions", "outbox", "store_meta", "audit_log"} <= set(store.table_names())


def test_reopening_does_not_migrate_twice(tmp_path):
    open_store(tmp_path / "kiosk.db").set_meta("probe", "7")
    store = open_store(tmp_path / "kiosk.db")
    assert store.meta("probe") == "7" and store.upgraded_from is None


def test_a_store_from_newer_software_is_refused_not_damaged(tmp_path):
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_a_version_1_store_is_upgraded_in_place_keeping_its_rows(tmp_path):
    """Upgrade fixture: a store as schema version 1 wrote it."""
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as conn:
        MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO submissions VALUES (1, 'k', '000126112100017', 's', 't', X'00')")
        conn.execute("INSERT INTO outbox (submission_id, state) VALUES (1, 'pending')")
    store = open_store(path)
    assert store.upgraded_from == 1
    assert store.read_one("PRAGMA user_version")[0] == SCHEMA_VERSION
    assert store.read_one("SELECT tracking_number FROM submissions")[0] == "000126112100017"
    assert store.read_one("SELECT retry_kind FROM outbox")[0] == "backoff"
    with pytest.raises(sqlite3.IntegrityError), store.write() as conn:
        conn.execute("UPDATE submissions SET service_id = 'x'")


def test_store_and_wal_are_private_in_a_private_directory(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir / "kiosk.db")
    store.set_meta("x", "1")
    for name in ("kiosk.db", "kiosk.db-wal"):
        assert stat.S_IMODE(os.stat(data_dir / name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700


def test_an_existing_world_readable_store_is_made_private(tmp_path):
    open_store(tmp_path / "kiosk.db").set_meta("x", "1")
    os.chmod(tmp_path / "kiosk.db", 0o644)
    os.chmod(tmp_path, 0o755)
    open_store(tmp_path / "kiosk.db")
    assert stat.S_IMODE(os.stat(tmp_path / "kiosk.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == 0o700


def test_nested_writes_are_savepoints_of_the_outer_transaction(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    with store.write() as conn:
        conn.execute("INSERT INTO store_meta VALUES ('outer', '1')")
        with pytest.raises(RuntimeError), store.write() as inner:
            inner.execute("INSERT INTO store_meta VALUES ('inner', '1')")
            raise RuntimeError("the inner step fails")
    assert store.meta("outer") == "1" and store.meta("inner") is None


def test_a_read_only_data_directory_is_one_clear_error(tmp_path, read_only_dir):
    with pytest.raises(StoreUnavailable, match="read-only") as caught:
        open_store(read_only_dir / "kiosk.db")
    assert "Fix:" in str(caught.value)


def test_a_closed_store_refuses_new_connections(tmp_path):
    store = Store(tmp_path / "kiosk.db")
    store.close()
    with pytest.raises(StoreError):
        store.connection()
