"""One-time enrolment codes (mock_backend/enrolment.py): a code enrols one kiosk, once,
before it expires; numbers never collide with a registered kiosk, an enrolled one or a
stored tracking number; the token works at once and only its digest is stored."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

from mock_backend import DEMO_KIOSK, create_app
from mock_backend.enrolment import (
    EnrolmentBook,
    EnrolmentCode,
    EnrolmentCodeError,
    EnrolmentRefused,
    read_codes_file,
)
from mock_backend.registry import KioskRegistration, KioskRegistry
from mock_backend.store import BackendStore
from mock_backend.tracking import make_tracking_number
from tests.unit.mock_backend.asgi import AUTH, request, submission

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def book_of(codes, kiosks=(DEMO_KIOSK,), store=None, valid_s=3600.0):
    store = store or BackendStore(":memory:")
    clock = Clock()
    registry = KioskRegistry(kiosks)
    book = EnrolmentBook(store, registry, [EnrolmentCode(c) for c in codes], valid_s, clock)
    return book, registry, clock


def test_a_code_enrols_one_kiosk_once_and_its_token_works_at_once():
    book, registry, _ = book_of(["code-0001-abc"])
    enrolled = book.enrol("code-0001-abc")
    assert (enrolled.kiosk_id, enrolled.kiosk_number) == ("kiosk-0002", "0002")
    assert registry.authenticate(f"Bearer {enrolled.token}").kiosk_number == "0002"
    with pytest.raises(EnrolmentRefused) as refused:
        book.enrol("code-0001-abc")
    assert refused.value.reason == "used"
    with pytest.raises(EnrolmentRefused) as refused:
        book.enrol("code-9999-xyz")
    assert refused.value.reason == "unknown"


def test_a_code_expires_after_its_validity():
    book, _, clock = book_of(["code-0001-abc", "code-0002-abc"], valid_s=3600)
    clock.now = START + dt.timedelta(minutes=59)
    book.enrol("code-0001-abc")
    clock.now = START + dt.timedelta(minutes=60)
    with pytest.raises(EnrolmentRefused) as refused:
        book.enrol("code-0002-abc")
    assert refused.value.reason == "expired"


def test_numbers_skip_registered_enrolled_and_stored_ones():
    store = BackendStore(":memory:")
    # A kiosk registered by hand once stored 0003 numbers; it is gone from the command line.
    store.create(submission(make_tracking_number("0003", 1, 1), kiosk_id="kiosk-old"))
    hand = KioskRegistration("kiosk-0005", "0002", "token-by-hand-0002")
    codes = ["code-a-000001", "code-b-000002", "code-c-000003"]
    book, _, _ = book_of(codes, (DEMO_KIOSK, hand), store)
    numbers = [book.enrol(code) for code in codes]
    assert [(e.kiosk_id, e.kiosk_number) for e in numbers] == [
        ("kiosk-0004", "0004"),
        ("kiosk-0005-2", "0005"),  # kiosk-0005 is the name of the kiosk registered by hand
        ("kiosk-0006", "0006"),
    ]


def test_two_kiosks_racing_with_one_code_get_one_enrolment():
    book, registry, _ = book_of(["code-0001-abc"])
    outcomes: list[object] = []

    def race() -> None:
        try:
            outcomes.append(book.enrol("code-0001-abc").kiosk_number)
        except EnrolmentRefused as refused:
            outcomes.append(refused.reason)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["0002"] + ["used"] * 7
    assert len(registry) == 2


def test_the_store_keeps_digests_and_a_restart_renews_nothing(tmp_path):
    db = tmp_path / "backend.db"
    app = create_app(db, enrolment_codes=[EnrolmentCode("code-0001-abc")])
    answer = request(app, "POST", "/api/v1/enrolments", json_body={"code": "code-0001-abc"})
    assert answer.status == 201
    token = answer.json()["token"]
    raw = db.read_bytes() + (tmp_path / "backend.db-wal").read_bytes()
    assert token.encode() not in raw and b"code-0001-abc" not in raw
    again = create_app(db, enrolment_codes=[EnrolmentCode("code-0001-abc")])
    mine = {"Authorization": f"Bearer {token}"}
    assert request(again, "GET", "/api/v1/kiosk", headers=mine).json()["kiosk_id"] == "kiosk-0002"
    used = request(again, "POST", "/api/v1/enrolments", json_body={"code": "code-0001-abc"})
    assert (used.status, used.json()["error"]) == (409, "enrolment_code_used")
    assert request(again, "GET", "/api/v1/kiosk", headers=AUTH).status == 200  # the demo too


def test_an_enrolled_kiosk_may_store_only_its_own_numbers():
    app = create_app(enrolment_codes=[EnrolmentCode("code-0001-abc")])
    token = request(app, "POST", "/api/v1/enrolments", json_body={"code": "code-0001-abc"}).json()[
        "token"
    ]
    mine = {"Authorization": f"Bearer {token}"}
    own = submission(make_tracking_number("0002", 1, 1), kiosk_id="kiosk-0002")
    assert request(app, "POST", "/api/v1/submissions", json_body=own, headers=mine).status == 201
    other = submission(make_tracking_number("0001", 1, 1), kiosk_id="kiosk-0002")
    assert request(app, "POST", "/api/v1/submissions", json_body=other, headers=mine).status == 403


def test_codes_files(tmp_path):
    path = tmp_path / "codes.txt"
    path.write_text("# spare codes\ncode-0001-abc\ncode-0002-abc 2026-03-02T18:00+08:00\n\n")
    first, second = read_codes_file(path)
    assert first == EnrolmentCode("code-0001-abc") and first.expires_at is None
    assert second.expires_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    for text, said in [
        ("code-0003-abc 2026-03-02T18:00\n", "with a zone"),
        ("no\n", "8 to 64"),
        ("code-0004-abc soon later\n", "CODE [EXPIRES]"),
    ]:
        path.write_text("code-0001-abc\n" + text)
        with pytest.raises(EnrolmentCodeError, match=f"codes.txt:2: .*{re.escape(said)}"):
            read_codes_file(path)
