import datetime as dt
import os
import sqlite3
import stat
import threading
import time
import uuid

import pytest

from offline_cache import (
    QueueFull,
    QueueLimits,
    SubmissionQueue,
    declare_first_store,
    open_store,
)

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PERSONAL = {"applicant": {"name": "王䶮", "id_number": "445281195207081310"}}


def make_queue(tmp_path, limits=None):
    declare_first_store(tmp_path)
    store = open_store(tmp_path / "kiosk.db")
    return Raw(store), SubmissionQueue(store, tmp_path / "queue.key", limits)


class Raw:
    """Statements straight on the store file, as a tamperer or a test would."""

    def __init__(self, store):
        self.store = store

    def execute(self, sql, parameters=()):
        return self.store.connection().execute(sql, parameters)


def enqueue(queue, payload=PERSONAL, make=lambda epoch, seq: f"{epoch:03d}{seq:07d}"):
    return queue.enqueue(
        idempotency_key=str(uuid.uuid4()),
        service_id="svc",
        created_at=NOW,
        payload=payload,
        make_tracking_number=make,
    )


def test_tracking_numbers_count_up_within_the_store_epoch(tmp_path):
    _, queue = make_queue(tmp_path)
    assert [enqueue(queue) for _ in range(3)] == ["0010000001", "0010000002", "0010000003"]


def test_submission_and_outbox_row_are_one_transaction(tmp_path):
    db, queue = make_queue(tmp_path)

    def explode(day, seq):
        raise RuntimeError("power cut between the two writes")

    with pytest.raises(RuntimeError):
        enqueue(queue, make=explode)
    assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert db.execute("SELECT value FROM store_meta WHERE key = 'sequence'").fetchone()[0] == "0"


def test_personal_data_is_not_in_the_database_file(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = (tmp_path / "kiosk.db").read_bytes()
    for secret in ("王䶮".encode(), b"445281195207081310"):
        assert secret not in raw
    assert queue.claim(now=1e12)[0].payload == PERSONAL


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
        "2233445566778899AABB' WHERE tracking_number = '0010000001'"
    )
    due = queue.claim(now=1e12)
    assert [item.tracking_number for item in due] == [second]
    counts = queue.counts()
    assert counts.quarantined == 1 and counts.in_flight == 1


def test_rows_cannot_be_swapped_between_keys(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    enqueue(queue, payload={"other": True})
    db.execute("DROP TRIGGER submissions_are_immutable")  # as a tamperer with the file would
    db.execute(
        "UPDATE submissions SET sealed_payload = (SELECT sealed_payload FROM submissions"
        " WHERE id = 2) WHERE id = 1"
    )
    assert [item.id for item in queue.claim(now=1e12)] == [2]


def test_states_oldest_first_and_backoff(tmp_path):
    _, queue = make_queue(tmp_path)
    first, second = enqueue(queue), enqueue(queue)
    items = queue.claim(now=100.0)
    assert [i.tracking_number for i in items] == [first, second]
    assert queue.claim(now=100.0) == []  # claimed rows are in flight
    queue.mark_failed([(items[0].id, "HTTP 503", 200.0, "server")])
    queue.release([items[1].id])
    assert [i.tracking_number for i in queue.claim(now=150.0)] == [second]
    queue.release([items[1].id])
    again = queue.claim(now=250.0)
    assert [i.tracking_number for i in again] == [first, second]
    assert again[0].attempts == 2
    queue.mark_failed([(again[0].id, "HTTP 503", 1e12, "server")])
    queue.mark_sent([items[1].id], dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    counts = queue.counts()
    assert (counts.failed, counts.sent, counts.unsent) == (1, 1, 1)
    assert counts.last_acknowledged_at.startswith("2026-11-21")
    assert queue.state_of(second) == "sent"


def test_rows_left_in_flight_by_a_crash_are_sent_again(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    assert len(queue.claim(now=1e12)) == 1
    assert queue.claim(now=1e12) == []
    _, reopened = make_queue(tmp_path)
    assert reopened.recover_in_flight() == 1
    assert len(reopened.claim(now=1e12)) == 1


def test_past_the_row_limit_new_submissions_are_refused_and_nothing_is_lost(tmp_path):
    _, queue = make_queue(tmp_path, QueueLimits(max_unsent_rows=2, min_free_bytes=0))
    kept = [enqueue(queue), enqueue(queue)]
    with pytest.raises(QueueFull, match="limit 2"):
        enqueue(queue)
    claimed = queue.claim(now=1e12)
    assert [item.tracking_number for item in claimed] == kept
    queue.mark_sent([claimed[0].id], dt.datetime.now(dt.UTC))
    enqueue(queue)  # room again once one was acknowledged


def test_below_the_free_disk_minimum_new_submissions_are_refused(tmp_path):
    _, queue = make_queue(tmp_path, QueueLimits(min_free_bytes=2**62))
    with pytest.raises(QueueFull, match="MiB free"):
        enqueue(queue)
    assert queue.counts().pending == 0


def test_sent_rows_are_purged_after_retention_unsent_ones_never(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    enqueue(queue)
    first, second = queue.claim(now=1e12)
    queue.release([second.id])
    queue.mark_sent([first.id], dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    week = dt.timedelta(days=7)
    assert queue.purge_sent(dt.datetime(2026, 11, 7, tzinfo=dt.UTC), week) == 0
    assert queue.purge_sent(dt.datetime(2026, 11, 9, tzinfo=dt.UTC), week) == 1
    counts = queue.counts()
    assert (counts.sent, counts.pending) == (0, 1)


def test_a_finalized_submission_cannot_be_changed(tmp_path):
    db, queue = make_queue(tmp_path)
    enqueue(queue)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        db.execute("UPDATE submissions SET service_id = 'other'")


# -- numbering that never repeats ---------------------------------------------------------


def test_a_store_reset_takes_a_new_epoch_so_no_number_repeats(tmp_path):
    _, queue = make_queue(tmp_path)
    before = {enqueue(queue) for _ in range(3)}
    queue.store.close()
    for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    _, fresh = make_queue(tmp_path)
    after = {enqueue(fresh) for _ in range(3)}
    assert fresh.epoch == 2 and not before & after
    ledger = (tmp_path / "store-epochs").read_text().splitlines()
    assert sorted({line.split()[0] for line in ledger}) == ["1", "2"]


def test_a_wiped_data_directory_waits_for_the_backend_before_numbering(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    queue = SubmissionQueue(store, tmp_path / "queue.key")
    assert queue.epoch is None
    with pytest.raises(QueueFull, match="epoch"):
        enqueue(queue)
    assert queue.counts().pending == 0
    assert queue.assign_epoch(backend_max_epoch=4, asked=True) == 5
    assert enqueue(queue).startswith("005")


def test_clock_changes_do_not_touch_the_numbers(tmp_path):
    _, queue = make_queue(tmp_path)
    numbers = []
    for created in (NOW, NOW - dt.timedelta(days=400), NOW + dt.timedelta(days=3)):
        numbers.append(
            queue.enqueue(
                idempotency_key=str(uuid.uuid4()),
                service_id="svc",
                created_at=created,
                payload=PERSONAL,
                make_tracking_number=lambda epoch, seq: f"{epoch:03d}{seq:07d}",
            )
        )
    assert numbers == ["0010000001", "0010000002", "0010000003"]


# -- one owner of the store ---------------------------------------------------------------


def test_audit_rows_from_another_thread_never_split_an_enqueue(tmp_path):
    """The landed code shared one connection: another thread's write committed or rolled
    back half an enqueue (1,880 submissions with no outbox row in 20 s)."""
    from kiosk.staff import AuditLog

    _, queue = make_queue(tmp_path)
    audit = AuditLog(queue.store)
    stop = threading.Event()
    written = []

    def staff():
        while not stop.is_set():
            audit.record("staff_called")
            written.append(1)

    worker = threading.Thread(target=staff)
    worker.start()
    numbers = []
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            numbers.append(enqueue(queue))
    finally:
        stop.set()
        worker.join()
    store = queue.store
    submissions = store.read_one("SELECT COUNT(*) FROM submissions")[0]
    outbox = store.read_one("SELECT COUNT(*) FROM outbox")[0]
    assert submissions == outbox == len(numbers) > 100
    assert store.read_one("SELECT COUNT(*) FROM audit_log")[0] == len(written) > 100


class ObservedLock:
    """The store's writer lock, saying when a second writer has to wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.contended = threading.Event()

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def test_a_rolled_back_enqueue_takes_no_other_threads_writes_with_it(tmp_path):
    """Deterministic variant: PIN tries and an audit row made while an enqueue is open
    on another thread survive that enqueue's rollback."""
    from kiosk.staff import AuditLog, PinGuard

    _, queue = make_queue(tmp_path)
    audit = AuditLog(queue.store)
    pin = PinGuard(queue.store, audit)
    pin.set_pin("246810")
    queue.store._writer = writer = ObservedLock()
    inside = threading.Event()
    release = threading.Event()

    def explode(epoch, seq):
        inside.set()
        release.wait(10)
        raise RuntimeError("the enqueue fails after its first statements")

    failing = threading.Thread(
        target=lambda: pytest.raises(RuntimeError, enqueue, queue, make=explode)
    )
    failing.start()
    assert inside.wait(10)
    staff = threading.Thread(
        target=lambda: ([pin.check("000000") for _ in range(4)], audit.record("staff_called"))
    )
    staff.start()
    # The staff thread's first write now waits for the enqueue's write lock.
    assert writer.contended.wait(10)
    release.set()
    failing.join()
    staff.join()
    store = queue.store
    assert store.read_one("SELECT failed_attempts FROM staff_pin")[0] == 4
    actions = [row[0] for row in store.read("SELECT action FROM audit_log")]
    assert actions.count("login_failed") == 4 and "staff_called" in actions
    assert store.read_one("SELECT COUNT(*) FROM submissions")[0] == 0


def test_two_processes_claiming_at_once_never_take_the_same_row(tmp_path):
    _, queue = make_queue(tmp_path)
    for _ in range(200):
        enqueue(queue)
    other = SubmissionQueue(open_store(tmp_path / "kiosk.db"), tmp_path / "queue.key")
    claimed: list[list[int]] = [[], []]

    def claim_all(source, into):
        while batch := source.claim(now=1e12, limit=7):
            into.extend(item.id for item in batch)

    workers = [
        threading.Thread(target=claim_all, args=(q, into))
        for q, into in ((queue, claimed[0]), (other, claimed[1]))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(claimed[0] + claimed[1]) == list(range(1, 201))


# -- clocks -------------------------------------------------------------------------------


def test_retry_times_move_with_a_clock_jump_and_are_capped(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    (item,) = queue.claim(now=1000.0)
    queue.mark_failed([(item.id, "HTTP 503", 1000.0 + 30, "server")])
    queue.shift_schedule(-86_400)  # the clock went back a day after the failure
    assert queue.earliest_retry_at() == pytest.approx(1000.0 + 30 - 86_400)
    queue.mark_failed([(item.id, "HTTP 503", 1e12, "server")])  # stamped in a far future
    assert queue.clamp_schedule(now=2000.0, longest_wait_s=960) == 1
    assert queue.earliest_retry_at() == 2960.0


def test_an_acknowledgement_stamped_in_the_future_does_not_outlive_retention(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    (item,) = queue.claim(now=1e12)
    real_now = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    queue.mark_sent([item.id], real_now + dt.timedelta(days=365))  # the clock ran a year ahead
    week = dt.timedelta(days=7)
    assert queue.purge_sent(real_now, week) == 0  # re-stamped to now...
    assert queue.purge_sent(real_now + dt.timedelta(days=8), week) == 1  # ...gone a week later


def test_the_probe_ends_only_waits_for_the_network(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    enqueue(queue)
    first, second = queue.claim(now=1e12)
    queue.mark_failed([(first.id, "network", 5e11, "network"), (second.id, "503", 5e11, "server")])
    assert queue.end_network_waits() == 1
    assert [i.id for i in queue.claim(now=1000.0)] == [first.id]


def test_rows_left_in_flight_by_a_dead_sender_are_claimed_again_after_the_lease(tmp_path):
    _, queue = make_queue(tmp_path)
    enqueue(queue)
    assert len(queue.claim(now=1e12)) == 1  # a `kiosk sync --once` that is then killed
    assert queue.claim(now=1e12, lease_s=60) == []  # still within its lease
    with queue.store.write() as conn:
        conn.execute("UPDATE outbox SET claimed_at = claimed_at - 61")
    (again,) = queue.claim(now=1e12, lease_s=60)
    assert again.attempts == 2


def test_a_wiped_directory_stays_without_an_epoch_across_restarts_until_the_backend(tmp_path):
    """Review finding: the second open of a store took epoch 1 without asking the backend
    (its schema version was mistaken for an upgrade)."""
    for _ in range(3):  # boot offline, power cut, boot again, `kiosk queue status` ...
        store = open_store(tmp_path / "kiosk.db")
        assert SubmissionQueue(store, tmp_path / "queue.key").epoch is None
        store.close()


def test_a_store_restored_from_an_older_copy_never_reissues_a_number(tmp_path):
    """Review finding: a kiosk.db put back from a backup kept its epoch and an old
    sequence, and gave out numbers again."""
    import shutil

    _, queue = make_queue(tmp_path)
    enqueue(queue)
    queue.store.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(tmp_path / "kiosk.db", tmp_path / "backup.db")
    given = {enqueue(queue) for _ in range(150)}  # past one reserved block
    queue.store.close()
    for name in ("kiosk.db-wal", "kiosk.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", tmp_path / "kiosk.db")  # the maintainer restores
    _, restored = make_queue(tmp_path)
    again = {enqueue(restored) for _ in range(150)}
    assert not given & again


def test_a_store_older_than_the_newest_epoch_moves_to_a_new_epoch(tmp_path):
    import shutil

    _, queue = make_queue(tmp_path)
    first = enqueue(queue)
    queue.store.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    queue.store.close()
    shutil.copy(tmp_path / "kiosk.db", tmp_path / "epoch1.db")
    (tmp_path / "kiosk.db").unlink()
    _, second_store = make_queue(tmp_path)  # epoch 2
    second = enqueue(second_store)
    second_store.store.close()
    (tmp_path / "kiosk.db").unlink()
    shutil.copy(tmp_path / "epoch1.db", tmp_path / "kiosk.db")  # the epoch-1 store is back
    _, old = make_queue(tmp_path)
    assert old.epoch == 3
    assert enqueue(old) not in {first, second}
