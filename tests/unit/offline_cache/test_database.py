import sqlite3

import pytest

from offline_cache.database import SCHEMA_VERSION, StoreError, open_database


def test_durability_pragmas_are_set_on_the_real_file(tmp_path):
    db = open_database(tmp_path / "kiosk.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert (tmp_path / "kiosk.db-wal").exists()


def test_new_store_is_at_the_current_schema_version(tmp_path):
    db = open_database(tmp_path / "kiosk.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {"submissions", "outbox", "daily_sequence"} <= set(db.table_names())


def test_reopening_does_not_migrate_twice(tmp_path):
    open_database(tmp_path / "kiosk.db").execute("INSERT INTO daily_sequence VALUES ('x', 7)")
    db = open_database(tmp_path / "kiosk.db")
    assert db.execute("SELECT last FROM daily_sequence").fetchone()[0] == 7


def test_a_store_from_newer_software_is_refused_not_damaged(tmp_path):
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        open_database(path)
