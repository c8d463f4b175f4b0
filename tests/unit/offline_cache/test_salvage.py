"""A damaged store is set aside, never overwritten, and its readable rows salvaged."""

import contextlib
import datetime as dt
import os
import uuid

from offline_cache import SubmissionQueue, declare_first_store, open_store


def fill(tmp_path, count):
    declare_first_store(tmp_path)
    store = open_store(tmp_path / "kiosk.db")
    queue = SubmissionQueue(store, tmp_path / "queue.key")
    numbers = []
    for index in range(count):
        numbers.append(
            queue.enqueue(
                idempotency_key=str(uuid.uuid4()),
                service_id="svc",
                created_at=dt.datetime.now(dt.UTC),
                # Large enough that the rows spread over many pages.
                payload={"n": index, "pad": "x" * 1500},
                make_tracking_number=lambda epoch, seq: f"0001{epoch:03d}{seq:07d}0",
            )
        )
    with store.write() as conn:
        conn.execute("INSERT INTO audit_log (at, action) VALUES ('t', 'login')")
    store.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return numbers


def damage_page(path, page_number, page_size=4096):
    with open(path, "r+b") as handle:
        handle.seek(page_size * (page_number - 1))
        handle.write(os.urandom(page_size))


def test_random_bytes_over_one_page_cost_that_page_only(tmp_path):
    numbers = fill(tmp_path, 60)
    pages = (tmp_path / "kiosk.db").stat().st_size // 4096
    damaged_copy = None
    damage_page(tmp_path / "kiosk.db", pages // 2)
    damaged_copy = (tmp_path / "kiosk.db").read_bytes()

    store = open_store(tmp_path / "kiosk.db")
    report = store.repair
    assert report is not None and report.problem != "ok"
    # The damaged file is set aside exactly as found.
    assert report.set_aside.parent == tmp_path / "damaged"
    assert report.set_aside.read_bytes() == damaged_copy
    assert store.quick_check() == "ok"
    queue = SubmissionQueue(store, tmp_path / "queue.key")
    kept = {item.tracking_number for item in queue.claim(now=1e12, limit=100)}
    assert len(kept) >= 55 and kept <= set(numbers)  # one page of ~2 rows, not all
    assert report.kept["submissions"] == len(kept)
    assert report.unsent_kept == len(kept)
    assert "salvaged" in report.summary
    assert queue.counts().quarantined == 0
    # New numbers come from a new epoch: none of the lost rows' numbers can come back.
    assert queue.epoch == 2


def test_a_file_that_is_not_a_database_is_set_aside_and_replaced(tmp_path):
    fill(tmp_path, 5)
    damage_page(tmp_path / "kiosk.db", 1)  # the header: SQLite no longer recognises it
    store = open_store(tmp_path / "kiosk.db")
    assert store.repair is not None and store.quick_check() == "ok"
    assert store.repair.set_aside.exists()
    queue = SubmissionQueue(store, tmp_path / "queue.key")
    assert queue.epoch == 2  # the ledger outlived the store


def test_a_repair_stopped_before_the_swap_is_finished_at_the_next_open(tmp_path, monkeypatch):
    from offline_cache import salvage

    numbers = fill(tmp_path, 20)
    damage_page(tmp_path / "kiosk.db", 5)

    def power_cut(path):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(salvage, "_swap_in", power_cut)
    with contextlib.suppress(KeyboardInterrupt):
        open_store(tmp_path / "kiosk.db")
    monkeypatch.undo()
    assert (tmp_path / "kiosk.db.repairing").exists()
    store = open_store(tmp_path / "kiosk.db")  # finishes the swap, no second repair
    assert store.repair is None and store.quick_check() == "ok"
    kept = {row[0] for row in store.read("SELECT tracking_number FROM submissions")}
    assert len(kept) >= 15 and kept <= set(numbers)
    actions = [row[0] for row in store.read("SELECT action FROM audit_log")]
    assert "store_repaired" in actions  # staff still learn of it
    assert not (tmp_path / "kiosk.db.repairing").exists()


def test_a_repair_stopped_midway_leaves_the_damaged_store_to_repair_again(tmp_path, monkeypatch):
    from offline_cache import salvage

    fill(tmp_path, 20)
    damage_page(tmp_path / "kiosk.db", 5)
    monkeypatch.setattr(salvage, "_copy_tables", lambda *a: (_ for _ in ()).throw(OSError()))
    with contextlib.suppress(OSError):
        open_store(tmp_path / "kiosk.db")
    monkeypatch.undo()
    store = open_store(tmp_path / "kiosk.db")  # never an empty store that looks healthy
    assert store.repair is not None
    assert store.read_one("SELECT COUNT(*) FROM submissions")[0] >= 15


def test_no_repair_under_another_process_that_has_the_store_open(tmp_path):
    import pytest

    from offline_cache import StoreDamaged

    fill(tmp_path, 5)
    running = open_store(tmp_path / "kiosk.db")  # the kiosk, holding the lock shared
    damage_page(tmp_path / "kiosk.db", 3)
    with pytest.raises(StoreDamaged, match="another kiosk process"):
        open_store(tmp_path / "kiosk.db")
    assert not (tmp_path / "damaged").exists()
    running.close()
    assert open_store(tmp_path / "kiosk.db").repair is not None
