"""The queue key: never silently replaced, rows come back with it, backups under a
passphrase."""

import datetime as dt
import os
import stat
import uuid

import pytest

from offline_cache import (
    BackupError,
    QueueFull,
    SubmissionQueue,
    declare_first_store,
    open_store,
)
from offline_cache.keys import backup_key, fingerprint, read_key, restore_key, write_key_file

PAYLOAD = {"applicant": {"name": "王䶮"}}


def open_queue(tmp_path):
    declare_first_store(tmp_path)
    return SubmissionQueue(open_store(tmp_path / "kiosk.db"), tmp_path / "queue.key")


def enqueue(queue):
    return queue.enqueue(
        idempotency_key=str(uuid.uuid4()),
        service_id="svc",
        created_at=dt.datetime.now(dt.UTC),
        payload=PAYLOAD,
        make_tracking_number=lambda epoch, seq: f"0001{epoch:03d}{seq:07d}0",
    )


def test_the_store_records_the_keys_fingerprint_and_the_file_is_private(tmp_path):
    queue = open_queue(tmp_path)
    key = read_key(tmp_path / "queue.key")
    assert queue.store.meta("key_fingerprint") == fingerprint(key)
    assert stat.S_IMODE(os.stat(tmp_path / "queue.key").st_mode) == 0o600


@pytest.mark.parametrize(
    "damage,kind",
    [
        (lambda path: path.unlink(), "missing"),
        (lambda path: path.write_bytes(b""), "truncated"),  # a power cut during creation
        (lambda path: path.write_bytes(path.read_bytes()[:20]), "truncated"),
        (lambda path: write_key_file(path, os.urandom(32)), "wrong_key"),
    ],
)
def test_a_lost_key_stops_new_submissions_and_never_replaces_itself(tmp_path, damage, kind):
    queue = open_queue(tmp_path)
    numbers = [enqueue(queue) for _ in range(3)]
    original = (tmp_path / "queue.key").read_bytes()
    queue.store.close()
    damage(tmp_path / "queue.key")

    reopened = open_queue(tmp_path)
    assert reopened.key_problem is not None and reopened.key_problem.kind == kind
    assert "kiosk keys restore" in str(reopened.key_problem)
    with pytest.raises(QueueFull, match="key"):
        enqueue(reopened)
    assert reopened.claim(now=1e12) == []  # nothing quarantined as "unreadable"
    assert reopened.counts().pending == 3 and reopened.counts().quarantined == 0
    if kind == "missing":
        assert not (tmp_path / "queue.key").exists()  # no new key minted over the rows

    write_key_file(tmp_path / "queue.key", original)  # the maintainer restores it
    assert reopened.reload_key()
    claimed = reopened.claim(now=1e12)
    assert sorted(item.tracking_number for item in claimed) == sorted(numbers)
    assert all(item.payload == PAYLOAD for item in claimed)


def test_with_nothing_waiting_a_lost_key_is_replaced(tmp_path):
    queue = open_queue(tmp_path)
    enqueue(queue)
    (item,) = queue.claim(now=1e12)
    queue.mark_sent([item.id], dt.datetime.now(dt.UTC))
    old = queue.store.meta("key_fingerprint")
    queue.store.close()
    (tmp_path / "queue.key").unlink()
    reopened = open_queue(tmp_path)
    assert reopened.key_problem is None
    assert reopened.store.meta("key_fingerprint") != old
    enqueue(reopened)


def test_rows_an_older_kiosk_quarantined_as_unreadable_come_back_with_the_key(tmp_path):
    queue = open_queue(tmp_path)
    enqueue(queue)
    with queue.store.write() as conn:
        conn.execute("UPDATE outbox SET state = 'quarantined', last_error = 'unreadable row: tag'")
    queue.store.close()
    reopened = open_queue(tmp_path)  # the upgraded kiosk starts
    assert len(reopened.claim(now=1e12)) == 1


def test_backup_round_trip_and_a_wrong_passphrase(tmp_path):
    key = os.urandom(32)
    backup = backup_key(key, "correct horse battery")
    assert key not in backup.document and backup.fingerprint == fingerprint(key)
    assert restore_key(backup.document, "correct horse battery") == key
    with pytest.raises(BackupError, match="passphrase"):
        restore_key(backup.document, "wrong horse battery!")
    tampered = backup.document.replace(b'"fingerprint": "', b'"fingerprint": "0')
    with pytest.raises(BackupError):
        restore_key(tampered, "correct horse battery")
    with pytest.raises(BackupError, match="at least"):
        backup_key(key, "short")


def test_a_key_minted_by_another_process_is_never_used_stale(tmp_path):
    """Review finding: the kiosk kept sealing with its key in memory after another
    process minted a new one (no row waited); after a restart those rows were unreadable."""
    kiosk = open_queue(tmp_path)
    (tmp_path / "queue.key").unlink()
    other = SubmissionQueue(open_store(tmp_path / "kiosk.db"), tmp_path / "queue.key")
    assert other.key_problem is None  # minted a new key: nothing waited
    number = enqueue(kiosk)  # the kiosk notices inside its write, reloads, seals anew
    kiosk.store.close()
    other.store.close()
    restarted = open_queue(tmp_path)
    (item,) = restarted.claim(now=1e12)
    assert item.tracking_number == number and item.payload == PAYLOAD


def test_the_running_kiosk_puts_a_deleted_key_file_back(tmp_path):
    queue = open_queue(tmp_path)
    enqueue(queue)
    original = (tmp_path / "queue.key").read_bytes()
    (tmp_path / "queue.key").unlink()
    assert queue.reload_key() and queue.key_problem is None
    assert (tmp_path / "queue.key").read_bytes() == original
