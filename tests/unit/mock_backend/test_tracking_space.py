"""Tracking numbers are bound to the kiosk that makes them: its 4-digit number first, a
valid Luhn check digit last; GET /api/v1/kiosk tells a wiped kiosk which epoch to use."""

import random

import pytest

from mock_backend import DEMO_KIOSK, KioskRegistration, create_app
from mock_backend.tracking import epoch_of, is_valid_tracking_number, luhn_digit
from mock_backend.tracking import make_tracking_number as number
from tests.unit.mock_backend.asgi import AUTH, auth, request, submission

OTHER = KioskRegistration("kiosk-0002", "0002", "token-of-kiosk-0002-xyz")


@pytest.fixture
def app():
    return create_app(kiosks=[DEMO_KIOSK, OTHER])


def post(app, body, headers=AUTH):
    return request(app, "POST", "/api/v1/submissions", json_body=body, headers=headers)


def batch(app, *bodies, headers=AUTH):
    answer = request(
        app,
        "POST",
        "/api/v1/submissions/batch",
        json_body={"submissions": list(bodies)},
        headers=headers,
    )
    assert answer.status == 200, answer.text
    return answer.json()["results"]


def legacy(kiosk_number, yymmdd, sequence):
    body = f"{kiosk_number}{yymmdd}{sequence:04d}"
    return body + luhn_digit(body)


def test_luhn_is_the_kiosks_own():
    from kiosk.tracking import luhn_digit as kiosks_luhn_digit  # the test may import it

    rng = random.Random(15)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(14))
        assert luhn_digit(body) == kiosks_luhn_digit(body)
    # Body 0001 001 0000001: the rightmost 1 doubles to 2, the kiosk's 1 is not doubled.
    assert number("0001", 1, 1) == "000100100000015"
    assert legacy("0001", "261121", 1) == "000126112100014"
    assert is_valid_tracking_number("000100100000015")
    assert not is_valid_tracking_number("000100100000016")
    assert not is_valid_tracking_number("00010010000001")  # 14 digits
    assert not is_valid_tracking_number("０００１００１００００００１５")  # full-width digits
    assert epoch_of(number("0001", 199, 5)) == 199
    assert epoch_of(legacy("0001", "200101", 1)) is None  # yym 200 is 2020-01: a date


@pytest.mark.parametrize(
    "tracking_number",
    [
        "000100100000016",  # wrong check digit
        "00010010000001",  # 14 digits
        "0001001000000155",  # 16 digits
        "00010010000001a",
        "000126112100017",  # a legacy number with a wrong check digit
    ],
)
def test_a_number_without_a_valid_check_digit_is_422_alone_and_in_a_batch(app, tracking_number):
    answer = post(app, submission(tracking_number))
    assert answer.status == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "tracking_number"]
    good = submission(number("0001", 1, 1))
    results = batch(app, submission(tracking_number), good)
    assert [r["status"] for r in results] == [422, 201]
    assert app.state.store.count() == 1


def test_corrects_must_be_a_valid_number_too(app):
    assert post(app, submission(number("0001", 1, 1), corrects="000100100000016")).status == 422
    assert post(app, submission(number("0001", 1, 2), corrects=number("0002", 1, 1))).status == 201


def test_both_layouts_are_accepted(app):
    assert post(app, submission(number("0001", 7, 1))).status == 201
    assert post(app, submission(legacy("0001", "261121", 1))).status == 201


def test_a_number_in_another_kiosks_space_is_403_alone(app):
    answer = post(app, submission(number("0002", 1, 1)))
    assert answer.status == 403
    assert answer.json()["error"] == "tracking_number_outside_kiosk_space"
    assert app.state.store.count() == 0


def test_a_number_in_another_kiosks_space_is_403_for_that_item_only(app):
    results = batch(
        app,
        submission(number("0001", 1, 1)),
        submission(number("0002", 1, 1)),
        submission(legacy("0002", "261121", 1)),
        submission(number("0001", 1, 2), kiosk_id="kiosk-0002"),
        submission(number("0001", 1, 3)),
    )
    assert [r["status"] for r in results] == [201, 403, 403, 403, 201]
    assert [r["error"] for r in results[1:4]] == [
        "tracking_number_outside_kiosk_space",
        "tracking_number_outside_kiosk_space",
        "kiosk_id_mismatch",
    ]
    assert app.state.store.count() == 2


def test_kiosk_id_mismatch_is_still_403(app):
    answer = post(app, submission(number("0001", 1, 1), kiosk_id="kiosk-0002"))
    assert answer.status == 403 and answer.json()["error"] == "kiosk_id_mismatch"


def test_a_taken_number_stays_409(app):
    assert post(app, submission(number("0001", 1, 1))).status == 201
    answer = post(app, submission(number("0001", 1, 1)))
    assert answer.status == 409 and answer.json()["error"] == "tracking_number_taken"
    results = batch(app, submission(number("0001", 1, 1)))
    assert results[0]["status"] == 409 and results[0]["error"] == "tracking_number_taken"


def test_a_number_never_shows_another_kiosks_submission(app):
    # kiosk-0001 tries to take kiosk-0002's next number before kiosk-0002 does.
    theirs = number("0002", 1, 1)
    assert post(app, submission(theirs)).status == 403
    batch(app, submission(theirs))
    missing = request(app, "GET", f"/api/v1/submissions/{theirs}", headers=auth(OTHER))
    assert missing.status == 404
    assert post(app, submission(theirs, kiosk_id="kiosk-0002"), headers=auth(OTHER)).status == 201
    # Whoever asks, the number shows kiosk-0002's own submission.
    for kiosk in (DEMO_KIOSK, OTHER):
        shown = request(app, "GET", f"/api/v1/submissions/{theirs}", headers=auth(kiosk))
        assert shown.status == 200 and shown.json()["tracking_number"] == theirs
    assert app.state.store.by_tracking_number(theirs).kiosk_id == "kiosk-0002"


def test_the_status_look_up_refuses_what_is_not_a_number(app):
    assert request(app, "GET", "/api/v1/submissions/12345", headers=AUTH).status == 422
    assert request(app, "GET", "/api/v1/submissions/abc", headers=AUTH).status == 404


def test_kiosk_summary_of_a_fresh_store(app):
    answer = request(app, "GET", "/api/v1/kiosk", headers=AUTH)
    assert answer.status == 200
    assert answer.json() == {
        "kiosk_id": "kiosk-0001",
        "kiosk_number": "0001",
        "submissions": 0,
        "max_epoch": None,
    }


def test_kiosk_summary_counts_and_finds_the_largest_epoch(app):
    for body in (
        submission(number("0001", 3, 1)),
        submission(number("0001", 12, 9_999_999)),
        submission(number("0001", 12, 1)),
        submission(legacy("0001", "991231", 9999)),  # 2099: digits 5-7 are 991, ignored
        submission(legacy("0001", "200101", 1)),  # 2020: 200, ignored
    ):
        assert post(app, body).status == 201
    # Another kiosk's numbers and epochs are not ours.
    other = submission(number("0002", 150, 1), kiosk_id="kiosk-0002")
    assert post(app, other, headers=auth(OTHER)).status == 201
    mine = request(app, "GET", "/api/v1/kiosk", headers=AUTH).json()
    assert mine == {
        "kiosk_id": "kiosk-0001",
        "kiosk_number": "0001",
        "submissions": 5,
        "max_epoch": 12,
    }
    theirs = request(app, "GET", "/api/v1/kiosk", headers=auth(OTHER)).json()
    assert (theirs["submissions"], theirs["max_epoch"]) == (1, 150)


def test_kiosk_summary_ignores_legacy_numbers_only(app):
    assert post(app, submission(legacy("0001", "261121", 1))).status == 201
    assert request(app, "GET", "/api/v1/kiosk", headers=AUTH).json()["max_epoch"] is None
    assert post(app, submission(number("0001", 199, 1))).status == 201
    assert request(app, "GET", "/api/v1/kiosk", headers=AUTH).json()["max_epoch"] == 199


def test_training_numbers_use_up_epochs_but_are_not_counted(app):
    assert post(app, submission(number("0001", 4, 1), training=True)).status == 201
    answer = request(app, "GET", "/api/v1/kiosk", headers=AUTH).json()
    assert (answer["submissions"], answer["max_epoch"]) == (0, 4)


def test_kiosk_summary_needs_the_token(app):
    answer = request(app, "GET", "/api/v1/kiosk")
    assert answer.status == 401 and answer.headers["www-authenticate"] == "Bearer"
