"""The verifier's answers against the real backend over HTTP (kiosk/verification.py): online,
offline from the held list, grey past valid-until or with a clock not to trust; refused
lists keep the last good one; every check recorded and synced through the outbox."""

from __future__ import annotations

import json
import threading
import time

import pytest

from drivers.identity import Identity
from kiosk.config import KioskConfig
from kiosk.events import CardVerified, StaffAlert
from kiosk.outbox import open_queue, sync_engine
from kiosk.status_list import lookup_digest
from kiosk.verification import Verifier
from tests.helpers.enrolment import enrolled
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.verifier import VerifierBackend
from tests.helpers.waiting import wait_for
from ui.tour import ELDER, YOUNGER, make_identity

MANUAL = make_identity("张三", "11010119900307123")
ABSENT = make_identity("赵六", "11010119900307777")


@pytest.fixture
def backend(tmp_path):
    server = VerifierBackend(
        tmp_path / "backend",
        [(ELDER.id_number, "deny"), (YOUNGER.id_number, "pass"), (MANUAL.id_number, "manual")],
        "--list-validity-s",
        "3600",
    ).start()
    yield server
    server.stop()


class Kiosk:
    """A verifier on a real store with an adjustable wall clock (seconds ahead of real)."""

    def __init__(self, data_dir, backend_url: str, verifier_backend: VerifierBackend, **more):
        settings = verifier_backend.kiosk_settings(backend_url=backend_url, **more)
        self.config = KioskConfig.load(data_dir, **enrolled(data_dir, **settings))
        self.queue = open_queue(self.config)
        self.ahead_s = 0.0
        self.events: list = []
        self.recorded = 0
        self.verifier = Verifier(
            self.config,
            self.queue,
            self.events.append,
            self._count_record,
            wall=lambda: time.time() + self.ahead_s,
        )

    def _count_record(self) -> None:
        self.recorded += 1

    def swipe(self, identity: Identity) -> CardVerified:
        return self.verifier.swipe(identity, time.monotonic()).result(timeout=10)

    @property
    def alerts(self) -> list[str]:
        return [event.detail for event in self.events if isinstance(event, StaffAlert)]

    def close(self) -> None:
        self.verifier.stop()
        self.queue.store.close()


@pytest.fixture
def kiosks(tmp_path):
    made: list[Kiosk] = []

    def make(backend_url: str, verifier_backend: VerifierBackend, name="kiosk", **more) -> Kiosk:
        kiosk = Kiosk(tmp_path / name, backend_url, verifier_backend, **more)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()


def test_online_answers_carry_the_lists_words_and_are_recorded_and_synced(backend, kiosks):
    kiosk = kiosks(backend.url, backend)
    assert kiosk.verifier.refresh_list().outcome == "installed"
    answers = {person.name: kiosk.swipe(person) for person in (ELDER, YOUNGER, MANUAL, ABSENT)}
    results = {name: (a.result, a.source) for name, a in answers.items()}
    assert results == {
        ELDER.name: ("deny", "online"),
        YOUNGER.name: ("pass", "online"),
        MANUAL.name: ("manual", "online"),
        ABSENT.name: ("unknown", "online"),
    }
    deny = answers[ELDER.name]
    assert deny.label.zh == "禁止通行" and deny.title.zh == "健康码核验"
    assert deny.masked_name == ELDER.masked_name() and deny.list_sequence == 1
    assert [e for e in kiosk.events if isinstance(e, CardVerified)] == list(answers.values())
    assert kiosk.verifier.summary().today == {
        "pass": 1, "manual": 1, "deny": 1, "unknown": 1, "online": 4, "offline": 0
    }  # fmt: skip
    engine = sync_engine(kiosk.config, kiosk.queue)
    try:
        assert engine.sync_once().sent == 4
    finally:
        engine.close()
    rows = [json.loads(body) for _, _, body in backend.server.rows()]
    assert {row["service_id"] for row in rows} == {"verification"}
    payloads = sorted((row["payload"] for row in rows), key=lambda p: p["result"])
    assert payloads[0] == {
        "hmac": lookup_digest(backend.lookup_key, ELDER.id_number).hex(),
        "result": "deny",
        "source": "online",
        "list_sequence": 1,
        "reason": "",
    }
    stored = (backend.directory / "backend.db").read_bytes()
    for person in (ELDER, YOUNGER, MANUAL, ABSENT):
        assert person.id_number.encode() not in stored and person.name.encode() not in stored


def test_backend_down_answers_from_the_held_list_marked_offline(backend, kiosks):
    kiosk = kiosks(backend.url, backend)
    kiosk.verifier.refresh_list()
    backend.stop()
    answer = kiosk.swipe(ELDER)
    assert (answer.result, answer.source, answer.list_sequence) == ("deny", "offline", 1)
    assert 0 <= answer.list_age_s < 60
    assert kiosk.swipe(YOUNGER).result == "pass" and kiosk.swipe(ABSENT).result == "unknown"
    # A kiosk started later, offline, reads the held list back from disk.
    again = kiosks("http://127.0.0.1:9", backend, name="kiosk")
    answer = again.swipe(MANUAL)
    assert (answer.result, answer.source, answer.list_sequence) == ("manual", "offline", 1)


def test_no_list_and_no_backend_answers_unknown_never_pass(backend, kiosks):
    kiosk = kiosks("http://127.0.0.1:9", backend)
    answer = kiosk.swipe(YOUNGER)
    assert (answer.result, answer.source, answer.reason) == ("unknown", "none", "no_list")


def test_past_valid_until_the_list_answers_grey_never_green(backend, kiosks):
    kiosk = kiosks(backend.url, backend, clock_skew_max_s=7200.0)  # the clock is not at fault
    kiosk.verifier.refresh_list()
    backend.stop()
    assert kiosk.swipe(YOUNGER).result == "pass"
    kiosk.ahead_s = 3601.0  # past the list's hour
    answer = kiosk.swipe(YOUNGER)
    assert (answer.result, answer.source, answer.reason) == ("unknown", "none", "list_expired")
    assert any("expired" in alert for alert in kiosk.alerts)


def test_a_clock_off_the_backends_date_answers_grey_and_alerts_staff(backend, kiosks):
    kiosk = kiosks(backend.url, backend, clock_skew_max_s=60.0)
    kiosk.verifier.refresh_list()
    kiosk.ahead_s = 30.0
    assert kiosk.swipe(YOUNGER).result == "pass"  # within the bound
    kiosk.ahead_s = 600.0  # the clock moved after the backend last answered
    answer = kiosk.swipe(YOUNGER)
    assert (answer.result, answer.reason) == ("unknown", "clock_skewed")
    assert any("ahead of the backend" in alert for alert in kiosk.alerts)
    assert kiosk.verifier.summary().clock.startswith("clock_skewed")
    kiosk.ahead_s = 900.0
    kiosk.swipe(YOUNGER)
    assert len([a for a in kiosk.alerts if "ahead" in a]) == 1  # once, not once a swipe
    kiosk.ahead_s = 0.0
    assert kiosk.swipe(YOUNGER).result == "pass"  # set right again
    kiosk.ahead_s = 600.0
    kiosk.swipe(YOUNGER)
    assert len([a for a in kiosk.alerts if "ahead" in a]) == 2  # wrong again: news again


def test_a_clock_behind_the_lists_issue_time_answers_grey(backend, kiosks):
    kiosks(backend.url, backend).verifier.refresh_list()
    backend.stop()
    kiosk = kiosks("http://127.0.0.1:9", backend, name="kiosk", clock_skew_max_s=60.0)
    kiosk.ahead_s = -600.0  # a flat RTC battery: the clock restarts in the past
    answer = kiosk.swipe(YOUNGER)
    assert (answer.result, answer.source, answer.reason) == ("unknown", "none", "clock_behind_list")


def test_a_clock_that_went_back_is_caught_after_a_restart(backend, kiosks):
    first = kiosks("http://127.0.0.1:9", backend, clock_skew_max_s=60.0)
    first.ahead_s = 7200.0  # the time as this kiosk last saw it, offline
    assert first.swipe(YOUNGER).reason == "no_list"
    first.verifier.stop()
    again = kiosks("http://127.0.0.1:9", backend, name="kiosk", clock_skew_max_s=60.0)
    answer = again.swipe(YOUNGER)  # 2 h before the latest time seen: the clock went back
    assert (answer.result, answer.reason) == ("unknown", "clock_went_back")
    # Once the backend vouches for the clock as it is, answers come again.
    backend_up = kiosks(backend.url, backend, name="kiosk", clock_skew_max_s=60.0)
    assert backend_up.swipe(YOUNGER).result == "pass"


def test_a_changed_byte_or_an_older_sequence_is_refused_and_the_last_good_list_kept(
    backend, kiosks
):
    proxy = FaultProxy(backend.url).start()
    try:
        kiosk = kiosks(proxy.url, backend)
        assert kiosk.verifier.refresh_list().outcome == "installed"
        held = kiosk.verifier.keeper.current
        on_disk = (kiosk.config.data_dir / "status-list.bin").read_bytes()
        backend.write_statuses([(YOUNGER.id_number, "deny")])  # the next list: sequence 2

        def one_byte_changed(path: str, body: bytes) -> bytes:
            return (
                body[:100] + bytes([body[100] ^ 1]) + body[101:] if "status-list" in path else body
            )

        proxy.rewrite = one_byte_changed
        refused = kiosk.verifier.refresh_list()
        assert (refused.outcome, refused.detail) == (
            "refused",
            "bad signature: not signed by verifier_public_key",
        )
        assert kiosk.verifier.keeper.current is held
        assert (kiosk.config.data_dir / "status-list.bin").read_bytes() == on_disk
        proxy.rewrite = None
        assert kiosk.verifier.refresh_list().detail.startswith("sequence 2")
        backend.write_statuses([(YOUNGER.id_number, "manual")])  # a 200 again, not a 304
        proxy.rewrite = lambda path, body: held.raw if "status-list" in path else body
        rollback = kiosk.verifier.refresh_list()
        assert rollback.outcome == "refused" and "not newer" in rollback.detail
        assert kiosk.verifier.keeper.current.sequence == 2
        assert any("refused" in alert for alert in kiosk.alerts)
    finally:
        proxy.stop()


def test_kiosk_simulate_verifier_swipes_through_the_real_core(backend, tmp_path):
    from kiosk.core import KioskCore
    from kiosk.simulate_verifier import run_verifier_simulation

    data_dir = tmp_path / "simulated"
    config = KioskConfig.load(data_dir, **enrolled(data_dir, **backend.kiosk_settings()))
    core = KioskCore(config, mode="verifier")
    summary = run_verifier_simulation(core, 30, seed=4, people=[ELDER, YOUNGER], drain_s=20)
    record = summary.as_json()
    assert record["swipes"] == 30 and sum(record["results"].values()) == 30
    assert set(record["results"]) <= {"pass", "deny"} and record["sources"] == {"online": 30}
    assert record["queue"] == {"unsent": 0, "quarantined": 0, "sent": 30}
    assert len(backend.server.rows()) == 30


def test_a_check_that_fails_inside_still_answers_grey_and_tells_staff(backend, kiosks, monkeypatch):
    kiosk = kiosks(backend.url, backend)

    def broken():
        raise OSError("disk gone")

    monkeypatch.setattr(kiosk.verifier.keeper, "held", broken)
    answer = kiosk.swipe(YOUNGER)
    assert (answer.result, answer.source, answer.reason) == ("unknown", "none", "error")
    assert answer.masked_name == YOUNGER.masked_name()
    assert [e for e in kiosk.events if isinstance(e, CardVerified)] == [answer]
    assert "check failed: OSError" in kiosk.alerts


def test_the_next_answer_never_waits_behind_the_last_record_and_stop_records_the_rest(
    backend, kiosks
):
    """Records are written on their own thread, after the answer is out: a slow disk
    holds no villager at the reader, and stopping the kiosk still records every check."""
    kiosk = kiosks(backend.url, backend)
    assert kiosk.verifier.refresh_list().outcome == "installed"
    disk_free = threading.Event()
    real_record = kiosk.verifier._record

    def slow_disk(answer, digest_hex):
        disk_free.wait(10)
        real_record(answer, digest_hex)

    kiosk.verifier._record = slow_disk
    pending = [kiosk.verifier.swipe(person, time.monotonic()) for person in (ELDER, YOUNGER)]
    wait_for(
        lambda: len([e for e in kiosk.events if isinstance(e, CardVerified)]) == 2,
        5,
        "both answers while the first record is stuck",
    )
    assert not any(future.done() for future in pending) and kiosk.recorded == 0
    disk_free.set()
    kiosk.verifier.swipe(MANUAL, time.monotonic())  # handed over just before the kiosk stops
    kiosk.verifier.stop()
    assert [future.result(0).result for future in pending] == ["deny", "pass"]
    assert kiosk.recorded == 3
    assert (
        sum(v for k, v in kiosk.verifier.summary().today.items() if k in ("online", "offline")) == 3
    )


def test_the_core_asks_for_a_round_once_the_line_pauses_not_after_each_check(tmp_path):
    """A round after every check competed with the next card's online look-up: the core
    hands each recorded check to the sync loop's quiet trigger, never its immediate one."""
    from kiosk.core import CHECKS_SYNC_QUIET_S, KioskCore

    config = KioskConfig.load(tmp_path, **enrolled(tmp_path, backend_url="http://127.0.0.1:9"))
    core = KioskCore(config, mode="verifier")
    try:
        asked = time.monotonic()
        core.verifier._on_recorded()  # what the recorder thread calls after each record
        assert not core.sync._wake.is_set()  # no round now
        assert core.sync._quiet_at >= asked + CHECKS_SYNC_QUIET_S
    finally:
        core.stop()
