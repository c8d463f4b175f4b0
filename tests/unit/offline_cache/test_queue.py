import datetime as dt
import os
import sqlite3
import stat
import uuid

import pytest

from offline_cache import PayloadSealer, QueueFull, QueueLimits, SubmissionQueue, open_database

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PERSONAL = {"applicant": {"name": "王䶮", "id_number": "445281195207081310"}}


def make_queue(tmp_path):
    db = open_database(tmp_path / "kiosk.db")
    return db, SubmissionQueue(db, PayloadSealer.from_key_file(tmp_path / "queue.key"))


def enqueue(queue, payload=PERSONAL, make=lambda day, seq: f"{day:%y%m%d}{seq:04d}"):
    return queue.enqueue(
        idempotency_key=str(uuid.uuid4()),
        service_id="svc",
        created_at=NOW,
        payload=payload,
        make_tracking_number=make,
    )


def test_tracking_numbers_count_up_per_day(tmp_path):
    _, queue = make_queue(tmp_path)
    assert [enqueue(queue) for _ in range(3)] == ["2611210001", "2611210002", "2611210003"]


def test_submission_and_outbox_row_are_one_transaction(tmp_path):
    db, queue = make_queue(tmp_path)

    def explode(day, seq):
        raise RuntimeError("power cut between the two writes")

    with pytest.raises(RuntimeError):
        enqueue(queue, make=explode)
    assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM daily_sequence").fetchone()[0] == 0


def test_personal_data_is_not_in_the_database_file(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = (tmp_path / "kiosk.db").read_bytes()
    for secret in ("王䶮".encode(), b"445281195207081310"):
        assert secret not in raw
    assert queue.due(now=1e12)[0].payload == PERSONAL


def test_key_file_is_private_to_the_kiosk_user(tmp_path):
    make_queue(tmp_path)
    mode = stat.S_IMODE(os.stat(tmp_path / "queue.key").st_mode)
    assert mode == 0o600


def test_a_tampered_row_is_quarantined_not_a_crash(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    second = enqueue(queue)
    db.execute("DROP TRIGGER submissions_are_immutable")  # disk corruption obeys no trigger
    db.execute(
        "UPDATE submissions SET sealed_payload = X'00112233445566778899AABBCCDDEEFF0011"
        "2233445566778899AABB' WHERE tracking_number = '2611210001'"
    )
    due = queue.due(now=1e12)
    assert [item.tracking_number for item in due] == [second]
    counts = queue.counts()
    assert counts.quarantined == 1 and counts.pending == 1


def test_rows_cannot_be_swapped_between_keys(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    enqueue(queue, payload={"other": True})
    db.execute("DROP TRIGGER submissions_are_immutable")  # as a tamperer with the file would
    db.execute(
        "UPDATE submissions SET sealed_payload = (SELECT sealed_payload FROM submissions"
        " WHERE id = 2) WHERE id = 1"
    )
    assert [item.id for item in queue.due(now=1e12)] == [2]


def test_states_oldest_first_and_backoff(tmp_path):
    _, queue = make_queue(tmp_path)
    first, second = enqueue(queue), enqueue(queue)
    items = queue.due(now=100.0)
    assert [i.tracking_number for i in items] == [first, second]
    queue.mark_in_flight([items[0].id])
    queue.mark_failed([(items[0].id, "HTTP 503", 200.0)])
    assert [i.tracking_number for i in queue.due(now=150.0)] == [second]
    assert [i.tracking_number for i in queue.due(now=250.0)] == [first, second]
    assert queue.due(now=250.0)[0].attempts == 1
    queue.mark_sent([items[1].id], dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    counts = queue.counts()
    assert (counts.failed, counts.sent, counts.unsent) == (1, 1, 1)
    assert counts.last_acknowledged_at.startswith("2026-11-21")
    assert queue.state_of(second) == "sent"


def test_rows_left_in_flight_by_a_crash_are_sent_again(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    queue.mark_in_flight([queue.due(now=1e12)[0].id])
    assert queue.due(now=1e12) == []
    _, reopened = make_queue(tmp_path)
    assert reopened.recover_in_flight() == 1
    assert len(reopened.due(now=1e12)) == 1


def test_past_the_row_limit_new_submissions_are_refused_and_nothing_is_lost(tmp_path):
    db = open_database(tmp_path / "kiosk.db")
    sealer = PayloadSealer.from_key_file(tmp_path / "queue.key")
    queue = SubmissionQueue(db, sealer, QueueLimits(max_unsent_rows=2, min_free_bytes=0))
    kept = [enqueue(queue), enqueue(queue)]
    with pytest.raises(QueueFull, match="limit 2"):
        enqueue(queue)
    assert [item.tracking_number for item in queue.due(now=1e12)] == kept
    queue.mark_sent([queue.due(now=1e12)[0].id], dt.datetime.now(dt.UTC))
    enqueue(queue)  # room again once one was acknowledged


def test_below_the_free_disk_minimum_new_submissions_are_refused(tmp_path):
    db = open_database(tmp_path / "kiosk.db")
    sealer = PayloadSealer.from_key_file(tmp_path / "queue.key")
    queue = SubmissionQueue(db, sealer, QueueLimits(min_free_bytes=2**62))
    with pytest.raises(QueueFull, match="MiB free"):
        enqueue(queue)
    assert queue.counts().pending == 0


def test_sent_rows_are_purged_after_retention_unsent_ones_never(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    enqueue(queue)
    first = queue.due(now=1e12)[0]
    queue.mark_sent([first.id], dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert queue.purge_sent(dt.datetime(2026, 10, 31, tzinfo=dt.UTC)) == 0
    assert queue.purge_sent(dt.datetime(2026, 11, 8, tzinfo=dt.UTC)) == 1
    counts = queue.counts()
    assert (counts.sent, counts.pending) == (0, 1)


def test_a_finalized_submission_cannot_be_changed(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        db.execute("UPDATE submissions SET service_id = 'other'")
