import sqlite3

import pytest
import sqlite_utils

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


def test_a_version_1_store_is_upgraded_in_place_keeping_its_rows(tmp_path):
    """Upgrade fixture: a store as schema version 1 wrote it."""
    from offline_cache.database import MIGRATIONS

    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as conn:
        db = sqlite_utils.Database(conn)
        MIGRATIONS[0](db)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO submissions VALUES (1, 'k', '000126112100017', 's', 't', X'00')")
    db = open_database(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT tracking_number FROM submissions").fetchone()[0] == (
        "000126112100017"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE submissions SET service_id = 'x'")
