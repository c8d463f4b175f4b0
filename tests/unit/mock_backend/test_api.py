"""The mock backend over real HTTP (uvicorn in its own process)."""

import uuid

import requests


def body(**changes):
    submission = {
        "idempotency_key": str(uuid.uuid4()),
        "kiosk_id": "kiosk-0001",
        "service_id": "pension_qualification_certification",
        "tracking_number": "000126112100017",
        "created_at": "2026-11-21T10:00:00+08:00",
        "payload": {"answers": {"contact_phone": "13812345678"}},
    }
    submission.update(changes)
    return submission


def post(backend, submission):
    return requests.post(backend.url + "/api/v1/submissions", json=submission, timeout=5)


def test_create_then_replay_then_conflict(backend):
    submission = body()
    first = post(backend, submission)
    assert first.status_code == 201
    assert first.json()["idempotency_key"] == submission["idempotency_key"]
    replay = post(backend, submission)
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    changed = post(backend, {**submission, "payload": {"answers": {}}})
    assert changed.status_code == 409
    assert len(backend.rows()) == 1


def test_a_tracking_number_cannot_be_reused_by_another_key(backend):
    assert post(backend, body()).status_code == 201
    assert post(backend, body()).status_code == 409


def test_status_by_tracking_number_and_tracking_page(backend):
    assert backend.status("000126112100017") is None
    post(backend, body())
    status = backend.status("000126112100017")
    assert status["status"] == "received"
    page = requests.get(backend.url + "/track/000126112100017", timeout=5)
    assert page.status_code == 200 and "000126112100017" in page.text


def test_invalid_bodies_get_422_with_reasons(backend):
    response = post(backend, body(tracking_number="abc", idempotency_key="not-a-uuid"))
    assert response.status_code == 422
    fields = {tuple(error["loc"])[-1] for error in response.json()["detail"]}
    assert {"tracking_number", "idempotency_key"} <= fields


def test_openapi_describes_the_submission_endpoints(backend):
    spec = requests.get(backend.url + "/openapi.json", timeout=5).json()
    assert "/api/v1/submissions" in spec["paths"]
    assert "/api/v1/submissions/{tracking_number}" in spec["paths"]
