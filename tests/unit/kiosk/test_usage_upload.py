"""Usage batches go through the submissions' outbox and sync engine: acknowledged by
the backend, retried when it cannot be reached, quarantined when it refuses them, and
never counted as the staff's unsent submissions."""

import io

import pyarrow.parquet as pq
import requests

from drivers.pcsc.service import CardIdentified, CardLeft
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.usage_upload import MAX_UNSENT_BATCHES, USAGE_RECORD, outbox_uploader
from tests.helpers.backend import AUTH
from tests.helpers.cards import WANG_YAN
from tests.helpers.enrolment import enrolled
from tests.helpers.identities import identity_of


def make_core(tmp_path, url):
    return KioskCore(KioskConfig.load(tmp_path, **enrolled(tmp_path, backend_url=url)))


def one_session(core):
    core.present_card(CardIdentified("r", identity_of(*WANG_YAN), 1.0, 1.25, 0))
    core.usage.tap("nav_back")
    core.present_card(CardLeft("r"))
    assert core.usage.flush()


def stored_events(backend):
    answer = requests.get(
        backend.url + "/api/v1/usage-events/export?since=2000-01-01&until=2100-01-01",
        headers=AUTH,
        timeout=10,
    )
    return pq.read_table(io.BytesIO(answer.content)).to_pylist()


def test_a_session_s_events_reach_the_backend_through_the_outbox(tmp_path, backend):
    core = make_core(tmp_path, backend.url)
    try:
        one_session(core)
        assert core.queue.unsent_of(USAGE_RECORD) == 1
        assert core.queue.counts().unsent == 0  # not the staff's unsent submissions
        report = core.sync.sync_once()
        assert (report.records, report.sent, report.failed) == (1, 0, 0)
        assert core.queue.unsent_of(USAGE_RECORD) == 0
        events = [e["event"] for e in sorted(stored_events(backend), key=lambda e: e["seq"])]
        assert events == ["session_started", "card_read", "tap", "session_ended"]
        reads = [e for e in stored_events(backend) if e["event"] == "card_read"]
        assert reads[0]["latency_ms"] == 250 and reads[0]["result"] == "ok"
    finally:
        core.stop()


def test_an_unreachable_backend_means_a_retry_later(tmp_path):
    core = make_core(tmp_path, "http://127.0.0.1:9")
    try:
        one_session(core)
        report = core.sync.sync_once(force=True)
        assert report.failed == 1 and report.records == 0
        assert not report.unreachable  # a record never takes the engine offline
        row = core.store.read_one(
            "SELECT o.state, o.retry_kind FROM outbox o JOIN submissions s"
            " ON s.id = o.submission_id WHERE s.service_id = ?",
            [USAGE_RECORD],
        )
        assert row == ("failed", "network")
    finally:
        core.stop()


def test_a_batch_the_backend_refuses_is_quarantined_not_retried_forever(tmp_path, backend):
    core = make_core(tmp_path, backend.url)
    try:
        upload = outbox_uploader(core.queue, lambda: None)
        bad = {
            "session_id": "x",  # not a session id: 422
            "seq": 0,
            "event": "tap",
            "started_local": "2026-11-21T10:00:00.000",
            "utc_offset_min": 480,
            "offset_ms": 0,
            "fields": {},
        }
        assert upload([bad]) is not None
        report = core.sync.sync_once(force=True)
        assert (report.quarantined, report.records) == (1, 0)
        assert core.queue.unsent_of(USAGE_RECORD) == 0
    finally:
        core.stop()


def test_at_most_a_few_batches_wait_in_the_outbox(tmp_path):
    core = make_core(tmp_path, "http://127.0.0.1:9")
    try:
        upload = outbox_uploader(core.queue, lambda: None)
        keys = [upload([]) for _ in range(MAX_UNSENT_BATCHES + 3)]
        assert all(keys[:MAX_UNSENT_BATCHES]) and keys[MAX_UNSENT_BATCHES:] == [None] * 3
        assert core.queue.counts().unsent == 0
    finally:
        core.stop()
