"""The sync engine against the real backend over HTTP, and against a small misbehaving
server for the answers the real one never gives."""

import datetime as dt
import http.server
import json
import os
import socket
import threading
import time
import uuid

import pytest

from kiosk.sync import SyncEngine
from kiosk.tracking import tracking_number_maker
from offline_cache import SubmissionQueue, declare_first_store, open_store
from tests.helpers.backend import DEV_TOKEN, free_port
from tests.helpers.waiting import wait_for

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def queue(tmp_path):
    declare_first_store(tmp_path)
    return SubmissionQueue(open_store(tmp_path / "kiosk.db"), tmp_path / "queue.key")


def enqueue(queue, count=1):
    numbers = []
    for _ in range(count):
        numbers.append(
            queue.enqueue(
                idempotency_key=str(uuid.uuid4()),
                service_id="pension",
                created_at=NOW,
                payload={"applicant": {"name": "王䶮"}},
                make_tracking_number=tracking_number_maker("0001"),
            )
        )
    return numbers


_engines: list[SyncEngine] = []


@pytest.fixture(autouse=True)
def _close_engines():
    """Every engine a test made is closed after it: its pooled sockets too."""
    yield
    while _engines:
        _engines.pop().close()


def engine(queue, url, **kwargs):
    kwargs.setdefault("timeout_s", 2)
    made = SyncEngine(queue, url, "kiosk-0001", DEV_TOKEN, **kwargs)
    _engines.append(made)
    return made


def test_queued_submissions_reach_the_backend_once_in_batches(queue, backend):
    numbers = enqueue(queue, 120)
    progress = []
    report = engine(
        queue, backend.url, on_progress=lambda d, t: progress.append((d, t))
    ).sync_once()
    assert report.sent == 120
    assert progress == [(50, 120), (100, 120), (120, 120)]  # three batches, oldest first
    assert sorted(row[1] for row in backend.rows()) == sorted(numbers)
    assert queue.counts().sent == 120
    assert engine(queue, backend.url).sync_once(force=True).sent == 0
    assert len(backend.rows()) == 120


def test_a_row_resent_after_a_lost_answer_is_not_doubled(queue, backend):
    enqueue(queue)
    engine(queue, backend.url).sync_once()
    with queue.store.write() as conn:  # as if the answer was lost before mark_sent
        conn.execute("UPDATE outbox SET state = 'pending', acknowledged_at = NULL")
    assert engine(queue, backend.url).sync_once().sent == 1  # the replay is an acknowledgement
    assert len(backend.rows()) == 1


def test_backend_down_keeps_the_row_and_schedules_a_retry(queue):
    enqueue(queue)
    report = engine(queue, f"http://127.0.0.1:{free_port()}", retry_base_s=30).sync_once()
    assert report.failed == 1 and "network" in report.error
    counts = queue.counts()
    assert counts.failed == 1 and counts.sent == 0
    assert queue.count_due(time.time()) == 0  # backing off


def test_wrong_token_keeps_rows_unsent_not_quarantined(queue, backend):
    enqueue(queue)
    made = SyncEngine(queue, backend.url, "kiosk-0001", "wrong-token")
    _engines.append(made)
    report = made.sync_once()
    assert report.failed == 1 and "401" in report.error
    assert queue.counts().failed == 1 and backend.rows() == []


def test_retention_deletes_sent_rows_only_after_the_period(queue, backend):
    enqueue(queue, 2)
    engine(queue, backend.url, retention_days=7).sync_once()
    assert queue.counts().sent == 2
    engine(queue, backend.url, retention_days=0).sync_once(force=True)
    assert queue.counts().sent == 0 and len(backend.rows()) == 2


class Misbehaving(http.server.BaseHTTPRequestHandler):
    """Answers as configured in `behaviour`; counts the requests it got."""

    behaviour: dict = {}
    requests_seen = 0

    def do_GET(self):  # noqa: N802 - /healthz: reachable, whatever the POSTs get
        payload = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):  # noqa: N802
        type(self).requests_seen += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        b = self.behaviour
        if b.get("hang"):
            self.server.release.wait(b["hang"])  # a slow server; teardown releases it
        if b.get("trickle"):  # headers at once, then a byte now and then, for ever
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(200):
                if self.server.release.wait(0.2):
                    return
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
            return
        if b.get("reset"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            self.connection.close()
            return
        if b.get("ack_all"):  # acknowledge every item, as the real backend does
            items = json.loads(body)["submissions"]
            results = [
                {
                    "index": i,
                    "status": 201,
                    "ack": {
                        "accepted": True,
                        "idempotency_key": item["idempotency_key"],
                        "tracking_number": item["tracking_number"],
                    },
                }
                for i, item in enumerate(items)
            ]
            payload = json.dumps({"results": results}).encode()
        elif b.get("echo_status") is not None:  # a well-formed batch answer, per-item status
            items = json.loads(body)["submissions"]
            payload = json.dumps(
                {"results": [{"index": i, "status": b["echo_status"]} for i in range(len(items))]}
            ).encode()
        else:
            payload = b.get("body", b"")
        self.send_response(b["status"])
        self.send_header("Content-Type", b.get("content_type", "application/json"))
        for name, value in b.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def misbehaving():
    Misbehaving.requests_seen = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.release.set()
    server.shutdown()
    server.server_close()


CASES = {
    "500": ({"status": 500, "body": b"{}"}, "failed"),
    "503 Retry-After": ({"status": 503, "headers": {"Retry-After": "120"}}, "failed"),
    "429": ({"status": 429, "headers": {"Retry-After": "30"}}, "failed"),
    "timeout": ({"status": 200, "hang": 3}, "failed"),
    "connection reset": ({"reset": True, "status": 200}, "failed"),
    "captive portal": (
        {"status": 200, "content_type": "text/html", "body": b"<html>Village Wi-Fi</html>"},
        "failed",
    ),
    "ack for another key": (
        {
            "status": 200,
            "body": b'{"results": [{"index": 0, "status": 201, "ack": '
            b'{"accepted": true, "idempotency_key": "other"}}]}',
        },
        "failed",
    ),
    "item 409": ({"status": 200, "echo_status": 409}, "quarantined"),
    "item 422": ({"status": 200, "echo_status": 422}, "quarantined"),
    "item 500": ({"status": 200, "echo_status": 500}, "failed"),
    "batch 400": ({"status": 400, "body": b'{"detail": "bad"}'}, "quarantined"),
    "batch 422": ({"status": 422, "body": b'{"detail": []}'}, "quarantined"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_misbehaving_servers_lose_and_double_nothing(queue, misbehaving, backend, case):
    behaviour, outcome = CASES[case]
    Misbehaving.behaviour = behaviour
    numbers = enqueue(queue, 3)
    report = engine(queue, misbehaving, timeout_s=1).sync_once()
    counts = queue.counts()
    assert counts.sent == 0
    assert getattr(counts, outcome) == 3
    if "Retry-After" in behaviour.get("headers", {}):
        wait = int(behaviour["headers"]["Retry-After"])
        assert queue.count_due(time.time() + wait - 5) == 0
        assert queue.count_due(time.time() + wait + 1) == 3
    if outcome == "failed":
        assert report.failed == 3 and report.error
        # The same rows, with the same keys, go to the real backend later: once each.
        assert engine(queue, backend.url).sync_once(force=True).sent == 3
        assert sorted(row[1] for row in backend.rows()) == sorted(numbers)


def test_a_quarantined_row_does_not_block_the_rest(queue, misbehaving, backend):
    Misbehaving.behaviour = {"status": 200, "echo_status": 422}
    enqueue(queue, 2)
    assert engine(queue, misbehaving).sync_once().quarantined == 2
    enqueue(queue, 1)
    assert engine(queue, backend.url).sync_once().sent == 1


def test_a_malformed_batch_is_split_so_each_row_gets_its_own_answer(queue, misbehaving):
    Misbehaving.behaviour = {"status": 400, "body": b"{}"}
    enqueue(queue, 3)
    engine(queue, misbehaving).sync_once()
    assert Misbehaving.requests_seen == 4  # the batch, then one request per row
    assert queue.counts().quarantined == 3 and queue.counts().in_flight == 0


def test_the_worker_syncs_when_the_backend_comes_back_not_after_the_backoff(queue, tmp_path):
    from tests.helpers.backend import BackendProcess

    late = BackendProcess(tmp_path / "late.db", free_port())
    enqueue(queue, 2)
    worker = engine(queue, late.url, retry_base_s=600, interval_s=600)
    worker.start()
    try:
        # The first round fails: 10 minutes of backoff ahead.
        wait_for(lambda: worker.offline, 10, "the first round to fail")
        assert queue.counts().failed == 2
        late.start()
        # The reconnect probe runs every 5 s.
        wait_for(lambda: queue.counts().sent == 2, 15, "a sync on reconnect")
        assert len(late.rows()) == 2
    finally:
        worker.stop()
        late.stop()


def test_sync_now_and_the_background_round_never_send_together(queue, misbehaving):
    """Two rounds started at once: the second waits, then finds nothing left to send."""
    Misbehaving.behaviour = {"status": 200, "ack_all": True, "hang": 0.3}
    enqueue(queue, 100)
    sync = engine(queue, misbehaving)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(sync.sync_once())) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(report.sent for report in reports) == [0, 100]
    assert Misbehaving.requests_seen == 2  # two batches of 50, each sent once


# -- a loop that cannot die ---------------------------------------------------------------


def test_an_unexpected_error_in_a_round_is_reported_and_the_loop_goes_on(queue, backend):
    problems = []
    worker = engine(
        queue, backend.url, retry_base_s=0.2, interval_s=0.5, on_problem=problems.append
    )
    real_claim = queue.claim
    calls = {"n": 0}

    def flaky_claim(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OSError(28, "No space left on device")
        return real_claim(*args, **kwargs)

    queue.claim = flaky_claim
    enqueue(queue, 3)
    worker.start()
    try:
        wait_for(lambda: queue.counts().sent == 3, 15, "the rows after the failing rounds")
        assert worker.alive
        assert problems and "No space left" in problems[0]
        assert len(problems) == 1  # one alert per distinct problem, not one per retry
    finally:
        worker.stop()


class LoopKiller(BaseException):
    """Escapes `except Exception`, as a bug in a C extension or a stray SystemExit would."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_watchdog_restarts_a_loop_that_died(queue, backend):
    problems = []
    worker = engine(queue, backend.url, interval_s=0.5, on_problem=problems.append)
    real_round = worker._round
    died = {"once": False}

    def round_that_dies_once():
        if not died["once"]:
            died["once"] = True
            raise LoopKiller()
        return real_round()

    worker._round = round_that_dies_once
    worker.start()
    try:
        enqueue(queue, 2)
        wait_for(lambda: queue.counts().sent == 2, 20, "the restarted loop to send")
        assert worker.restarts == 1 and worker.alive
        assert any("restarted" in problem for problem in problems)
    finally:
        worker.stop()


def test_the_probe_never_bypasses_retry_after(queue, misbehaving):
    """/healthz answers, the batch gets 503 Retry-After: 600: the landed code resent every
    5 s because the probe forced a sync."""
    Misbehaving.behaviour = {"status": 503, "headers": {"Retry-After": "600"}}
    enqueue(queue, 2)
    held = []
    worker = engine(
        queue,
        misbehaving,
        interval_s=1,
        retry_base_s=1,
        on_finished=lambda report: report.held_s and held.append(report),
    )
    worker.start()
    try:
        wait_for(lambda: Misbehaving.requests_seen >= 1, 10, "the first attempt")
        assert not worker.offline  # a 503 is an answer: no reachability probe takes over
        worker.trigger()  # an enqueue's trigger
        wait_for(lambda: len(held) >= 1, 10, "a round after the trigger")
        worker.trigger(force=True)  # staff's "sync now"
        wait_for(lambda: len(held) >= 2, 10, "a round after sync now")
        assert Misbehaving.requests_seen == 1
        # Another process (kiosk sync --once) honours the same hold through the store.
        other = engine(queue, misbehaving).sync_once(force=True)
        assert other.held_s > 500 and Misbehaving.requests_seen == 1
    finally:
        worker.stop()


def test_a_wall_clock_moved_back_does_not_strand_a_row(queue, misbehaving):
    """After a failure the clock goes back a day: the landed code left the row waiting
    86,388 s with the backend up."""
    offset = [0.0]
    Misbehaving.behaviour = {"status": 500, "body": b"{}"}
    enqueue(queue, 1)
    worker = engine(
        queue,
        misbehaving,
        retry_base_s=3,
        interval_s=600,
        clock=lambda: time.time() + offset[0],
    )
    worker.start()
    try:
        wait_for(lambda: queue.counts().failed == 1, 10, "the first failure")
        Misbehaving.behaviour = {"status": 200, "ack_all": True}
        offset[0] = -86_400.0
        wait_for(lambda: queue.counts().sent == 1, 15, "the retry after the clock jump")
    finally:
        worker.stop()


def test_a_hold_stored_under_a_clock_that_ran_ahead_ends_within_the_cap(queue, backend):
    """Found by the soak: a Retry-After stored by a process whose clock ran a day ahead
    held every later sender for that day (the cap was applied to each read, never to the
    stored time)."""
    offset = [86_400.0]
    ahead = engine(queue, backend.url, retry_cap_s=4, clock=lambda: time.time() + offset[0])
    ahead._hold(3)
    enqueue(queue, 1)
    on_time = engine(queue, backend.url, retry_cap_s=4)
    assert 0 < on_time.sync_once().held_s <= 4
    wait_for(lambda: on_time.sync_once().sent == 1, 8, "the hold to end within the cap")
    assert queue.counts().sent == 1


def test_a_full_disk_refuses_new_rows_and_sync_resumes_when_space_returns(tmp_path, backend):
    """A real full file system (a 3 MiB tmpfs): the landed sync thread died on it and
    never came back after space was freed."""
    import subprocess

    from offline_cache import QueueFull, QueueLimits

    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], check=True)
    try:
        declare_first_store(disk)
        full_queue = SubmissionQueue(
            open_store(disk / "kiosk.db"), disk / "queue.key", QueueLimits(min_free_bytes=0)
        )
        numbers = enqueue(full_queue, 5)
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass  # ENOSPC: the disk is full
        finally:
            os.close(fd)
        with pytest.raises(QueueFull, match="full"):
            enqueue(full_queue, 1)
        problems = []
        worker = engine(
            full_queue, backend.url, retry_base_s=0.2, interval_s=0.5, on_problem=problems.append
        )
        worker.start()
        try:
            wait_for(lambda: problems, 10, "the full disk to be reported")
            assert worker.alive
            filler.unlink()  # staff free some space
            wait_for(lambda: full_queue.counts().sent == 5, 20, "sync after space returned")
            assert sorted(row[1] for row in backend.rows()) == sorted(numbers)
            enqueue(full_queue, 1)  # and new submissions are taken again
        finally:
            worker.stop()
            full_queue.store.close()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_server_trickling_its_answer_cannot_hold_the_sender(queue, misbehaving):
    """Review finding: each read stayed within its timeout, so a trickle held the round
    (and the sender lock) for ever."""
    Misbehaving.behaviour = {"trickle": True}
    enqueue(queue, 2)
    started = time.monotonic()
    report = engine(queue, misbehaving, timeout_s=1).sync_once()
    assert time.monotonic() - started < 4
    assert report.failed == 2 and "Timeout" in report.error
    assert queue.counts().failed == 2


def test_a_closed_engine_refuses_work_instead_of_half_doing_it(queue, backend):
    enqueue(queue, 60)
    closed = engine(queue, backend.url)
    closed.close()
    with pytest.raises(RuntimeError, match="closed"):
        closed.sync_once(force=True)
    with pytest.raises(RuntimeError, match="closed"):
        closed.start()
    assert queue.counts().pending == 60  # nothing claimed, nothing half-sent


def test_rows_asked_for_when_quiet_wait_for_a_pause_then_one_round_sends_them(queue, backend):
    """A verifier's checks: no round while cards keep coming (it would compete with the
    next card's online look-up), one soon after the line pauses."""
    rounds = []
    worker = engine(queue, backend.url, interval_s=60, on_finished=rounds.append)
    worker.start()
    try:
        wait_for(lambda: len(rounds) == 1, 10, "the first round at start")
        pause = threading.Event()  # never set
        for _ in range(20):  # a card every 50 ms for a second
            enqueue(queue)
            worker.trigger_when_quiet(1.0)
            last_check = time.monotonic()
            pause.wait(0.05)
        assert len(rounds) == 1 and queue.counts().sent == 0
        wait_for(lambda: queue.counts().sent == 20, 10, "the checks after the pause")
        assert 1.0 <= time.monotonic() - last_check < 1.0 + 2.0 + 1.0  # quiet + a beat
        assert len(rounds) == 2
    finally:
        worker.stop()


def test_closing_sends_what_was_asked_for_when_quiet_unless_the_backend_is_out_of_reach(
    queue, backend
):
    """A process that stops (a `kiosk verify`, the service) never sees the pause its
    checks wait for: closing runs that round, but does not wait on a backend it could not
    reach."""
    worker = engine(queue, backend.url, interval_s=60)
    enqueue(queue, 2)
    worker.trigger_when_quiet(60.0)
    worker.close()
    assert queue.counts().sent == 2

    unreachable = engine(queue, f"http://127.0.0.1:{free_port()}", interval_s=60)
    enqueue(queue, 1)
    assert unreachable.sync_once().unreachable and unreachable.offline
    calls = []
    unreachable.sync_once = lambda *args: calls.append(args)
    unreachable.trigger_when_quiet(60.0)
    unreachable.close()
    assert calls == [] and queue.counts().sent == 2
