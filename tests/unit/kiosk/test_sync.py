"""The sync engine against the real backend over HTTP, and against a small misbehaving
server for the answers the real one never gives."""

import datetime as dt
import http.server
import threading
import uuid

import pytest

from kiosk.sync import SyncEngine
from offline_cache import PayloadSealer, SubmissionQueue, open_database
from tests.helpers.backend import free_port

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def queue(tmp_path):
    db = open_database(tmp_path / "kiosk.db")
    return SubmissionQueue(db, PayloadSealer.from_key_file(tmp_path / "queue.key"))


def enqueue(queue, count=1):
    numbers = []
    for _ in range(count):
        numbers.append(
            queue.enqueue(
                idempotency_key=str(uuid.uuid4()),
                service_id="pension",
                created_at=NOW,
                payload={"applicant": {"name": "王䶮"}},
                make_tracking_number=lambda day, seq: f"0001{day:%y%m%d}{seq:04d}0",
            )
        )
    return numbers


def engine(queue, url, **kwargs):
    return SyncEngine(queue, url, "kiosk-0001", timeout_s=2, **kwargs)


def test_queued_submissions_reach_the_backend_once(queue, backend):
    numbers = enqueue(queue, 3)
    report = engine(queue, backend.url).sync_once()
    assert report.sent == 3
    assert sorted(row[1] for row in backend.rows()) == sorted(numbers)
    assert queue.counts().sent == 3
    assert engine(queue, backend.url).sync_once(force=True).sent == 0
    assert len(backend.rows()) == 3


def test_a_row_resent_after_a_lost_answer_is_not_doubled(queue, backend):
    enqueue(queue)
    item = queue.due(now=1e12)[0]
    engine(queue, backend.url).sync_once()
    queue.mark_failed([item.id], "pretend the answer was lost", next_attempt_at=0)
    assert engine(queue, backend.url).sync_once().sent == 1  # the replay is an acknowledgement
    assert len(backend.rows()) == 1


def test_backend_down_keeps_the_row_and_schedules_a_retry(queue):
    enqueue(queue)
    report = engine(queue, f"http://127.0.0.1:{free_port()}", retry_base_s=30).sync_once()
    assert report.failed == 1 and "network" in report.error
    counts = queue.counts()
    assert counts.failed == 1 and counts.sent == 0
    assert queue.due(now=dt.datetime.now().timestamp()) == []  # backing off


class Misbehaving(http.server.BaseHTTPRequestHandler):
    status = 200
    content_type = "text/html"
    body = b"<html>Welcome to the village Wi-Fi</html>"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def misbehaving():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.mark.parametrize(
    ("status", "content_type", "body", "outcome"),
    [
        (200, "text/html", b"<html>captive portal</html>", "failed"),
        (200, "application/json", b'{"accepted": true, "idempotency_key": "other"}', "failed"),
        (503, "application/json", b"{}", "failed"),
        (409, "application/json", b'{"detail": "conflict"}', "quarantined"),
        (422, "application/json", b'{"detail": []}', "quarantined"),
    ],
)
def test_only_an_explicit_acknowledgement_marks_sent(
    queue, misbehaving, status, content_type, body, outcome
):
    Misbehaving.status, Misbehaving.content_type, Misbehaving.body = status, content_type, body
    enqueue(queue)
    url = f"http://127.0.0.1:{misbehaving.server_address[1]}"
    engine(queue, url).sync_once()
    counts = queue.counts()
    assert counts.sent == 0
    assert getattr(counts, outcome) == 1


def test_a_quarantined_row_does_not_block_the_rest(queue, misbehaving, backend):
    Misbehaving.status, Misbehaving.content_type, Misbehaving.body = 422, "application/json", b"{}"
    enqueue(queue, 2)
    url = f"http://127.0.0.1:{misbehaving.server_address[1]}"
    report = engine(queue, url).sync_once()
    assert report.quarantined == 2
    enqueue(queue, 1)
    assert engine(queue, backend.url).sync_once().sent == 1
