"""Training submissions are kept apart from real ones: stored, replayed and looked up
the same way, never counted, listed or exported with them."""

import json
import sqlite3

import pytest

from mock_backend import create_app
from mock_backend.tracking import make_tracking_number as number
from tests.unit.mock_backend.asgi import AUTH, request, submission


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path / "backend.db")


def post(app, body):
    return request(app, "POST", "/api/v1/submissions", json_body=body, headers=AUTH)


def test_a_training_submission_is_stored_apart(app, tmp_path):
    real, practice = submission(number("0001", 1, 1)), submission(number("0001", 1, 2))
    assert post(app, real).status == 201
    assert post(app, {**practice, "training": True}).status == 201
    store = app.state.store
    assert (store.count(), store.count_training()) == (1, 1)
    # Whatever reads the real table (exports, the e2e helpers) never sees practice runs.
    with sqlite3.connect(tmp_path / "backend.db") as conn:
        real_rows = conn.execute("SELECT tracking_number FROM submissions").fetchall()
        training_rows = conn.execute("SELECT tracking_number FROM training_submissions").fetchall()
    assert real_rows == [(real["tracking_number"],)]
    assert training_rows == [(practice["tracking_number"],)]


def test_training_false_is_a_real_submission(app):
    assert post(app, submission(number("0001", 1, 1), training=False)).status == 201
    assert (app.state.store.count(), app.state.store.count_training()) == (1, 0)


def test_the_training_flag_must_be_a_boolean(app):
    assert post(app, submission(number("0001", 1, 1), training="yes")).status == 422
    assert post(app, submission(number("0001", 1, 1), training=1)).status == 422


def test_training_idempotency_replays_and_conflicts_like_real_ones(app):
    practice = submission(number("0001", 1, 1), training=True)
    first = post(app, practice)
    replay = post(app, practice)
    assert (first.status, replay.status) == (201, 200)
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    changed = post(app, {**practice, "payload": {"answers": {}}})
    assert changed.status == 409 and changed.json()["error"] == "idempotency_key_reused"
    assert app.state.store.count_training() == 1


def test_one_key_cannot_be_both_training_and_real(app):
    practice = submission(number("0001", 1, 1), training=True)
    assert post(app, practice).status == 201
    as_real = post(app, {**practice, "training": False})
    assert as_real.status == 409 and as_real.json()["error"] == "idempotency_key_reused"
    real = submission(number("0001", 1, 2))
    assert post(app, real).status == 201
    assert post(app, {**real, "training": True}).status == 409
    assert (app.state.store.count(), app.state.store.count_training()) == (1, 1)


def test_training_and_real_submissions_share_one_number_space(app):
    assert post(app, submission(number("0001", 1, 1), training=True)).status == 201
    taken = post(app, submission(number("0001", 1, 1)))
    assert taken.status == 409 and taken.json()["error"] == "tracking_number_taken"
    assert post(app, submission(number("0001", 1, 2))).status == 201
    assert post(app, submission(number("0001", 1, 2), training=True)).status == 409


def test_training_items_in_a_batch(app):
    items = [
        submission(number("0001", 1, 1), training=True),
        submission(number("0001", 1, 2)),
    ]
    answer = request(
        app, "POST", "/api/v1/submissions/batch", json_body={"submissions": items}, headers=AUTH
    )
    assert [r["status"] for r in answer.json()["results"]] == [201, 201]
    again = request(
        app, "POST", "/api/v1/submissions/batch", json_body={"submissions": items}, headers=AUTH
    )
    assert [r["status"] for r in again.json()["results"]] == [200, 200]
    assert (app.state.store.count(), app.state.store.count_training()) == (1, 1)


def test_the_status_look_up_finds_training_submissions_and_says_so(app):
    practice, real = number("0001", 1, 1), number("0001", 1, 2)
    post(app, submission(practice, training=True))
    post(app, submission(real))
    shown = request(app, "GET", f"/api/v1/submissions/{practice}", headers=AUTH).json()
    assert shown["training"] is True and shown["tracking_number"] == practice
    assert (
        request(app, "GET", f"/api/v1/submissions/{real}", headers=AUTH).json()["training"] is False
    )


def test_the_public_page_says_training(app):
    practice, real = number("0001", 1, 1), number("0001", 1, 2)
    post(app, submission(practice, training=True))
    post(app, submission(real))
    page = request(app, "GET", f"/track/{practice}")
    assert page.status == 200 and "培训 / Training" in page.text
    assert page.headers["content-type"].startswith("text/html")
    real_page = request(app, "GET", f"/track/{real}")
    assert "已受理 / Received" in real_page.text and "Training" not in real_page.text


def test_only_training_bodies_carry_the_flag(app, tmp_path):
    # A real body is hashed as before `training` existed, so stores written by older
    # versions still replay; a training body keeps its flag.
    from mock_backend.store import payload_hash

    real = submission(number("0001", 1, 1))
    practice = submission(number("0001", 1, 2), training=True)
    post(app, real)
    post(app, practice)
    with sqlite3.connect(tmp_path / "backend.db") as conn:
        real_hash, real_body = conn.execute("SELECT payload_hash, body FROM submissions").fetchone()
        (practice_body,) = conn.execute("SELECT body FROM training_submissions").fetchone()
    assert "training" not in json.loads(real_body)
    assert real_hash == payload_hash({**real, "corrects": None})
    assert json.loads(practice_body)["training"] is True
