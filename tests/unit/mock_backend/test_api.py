"""The mock backend over real HTTP (uvicorn in its own process)."""

import json
import uuid

import requests

from kiosk.catalog import shipped_catalog_text
from mock_backend import create_app
from tests.helpers.backend import AUTH, BackendProcess, auth
from tests.unit.mock_backend.asgi import request, usage_event


def body(**changes):
    submission = {
        "idempotency_key": str(uuid.uuid4()),
        "kiosk_id": "kiosk-0001",
        "service_id": "pension_qualification_certification",
        "tracking_number": "000100100000015",
        "created_at": "2026-11-21T10:00:00+08:00",
        "payload": {"answers": {"contact_phone": "13812345678"}},
    }
    submission.update(changes)
    return submission


def post(backend, submission, headers=AUTH):
    return requests.post(
        backend.url + "/api/v1/submissions", json=submission, headers=headers, timeout=5
    )


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
    taken = post(backend, body())
    assert taken.status_code == 409 and taken.json()["error"] == "tracking_number_taken"


def test_legacy_date_based_numbers_are_still_accepted(backend):
    assert post(backend, body(tracking_number="000126112100014")).status_code == 201
    assert backend.status("000126112100014")["status"] == "received"


def test_status_by_tracking_number_and_tracking_page(backend):
    assert backend.status("000100100000015") is None
    post(backend, body())
    status = backend.status("000100100000015")
    assert status["status"] == "received"
    page = requests.get(backend.url + "/track/000100100000015", timeout=5)
    assert page.status_code == 200 and "000100100000015" in page.text


def test_invalid_bodies_get_422_with_reasons(backend):
    response = post(backend, body(tracking_number="abc", idempotency_key="not-a-uuid"))
    assert response.status_code == 422
    fields = {tuple(error["loc"])[-1] for error in response.json()["detail"]}
    assert {"tracking_number", "idempotency_key"} <= fields


def test_openapi_describes_the_submission_endpoints(backend):
    spec = requests.get(backend.url + "/openapi.json", timeout=5).json()
    assert "/api/v1/submissions" in spec["paths"]
    assert "/api/v1/submissions/{tracking_number}" in spec["paths"]


def test_every_api_call_needs_the_kiosk_token(backend):
    assert post(backend, body(), headers={}).status_code == 401
    assert post(backend, body(), headers={"Authorization": "Bearer wrong"}).status_code == 401
    status = requests.get(backend.url + "/api/v1/submissions/000100100000015", timeout=5)
    assert status.status_code == 401
    assert backend.rows() == []


def test_a_kiosk_cannot_submit_in_another_kiosks_name(backend):
    refused = post(backend, body(kiosk_id="kiosk-0002"))
    assert refused.status_code == 403 and refused.json()["error"] == "kiosk_id_mismatch"


def test_oversized_bodies_are_refused(backend):
    response = requests.post(
        backend.url + "/api/v1/submissions",
        data=b"{" + b" " * (1024 * 1024) + b"}",
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413


def test_batch_gives_one_result_per_item_in_order(backend):
    good, replay = body(), body(tracking_number="000100100000023")
    post(backend, replay)
    conflict = {**replay, "payload": {"changed": True}}
    invalid = {**body(tracking_number="x"), "idempotency_key": "nope"}
    response = requests.post(
        backend.url + "/api/v1/submissions/batch",
        json={"submissions": [good, replay, conflict, invalid]},
        headers=AUTH,
        timeout=5,
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 200, 409, 422]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert results[0]["ack"]["idempotency_key"] == good["idempotency_key"]
    assert results[2]["error"] == "idempotency_key_reused"
    assert results[3]["error"] == "invalid"
    assert {e["loc"][-1] for e in results[3]["detail"]} >= {"tracking_number", "idempotency_key"}
    assert len(backend.rows()) == 2


def test_catalog_has_an_etag_and_answers_304_when_unchanged(backend):
    first = requests.get(backend.url + "/api/v1/catalog", headers=AUTH, timeout=5)
    assert first.status_code == 200 and first.headers["ETag"]
    again = requests.get(
        backend.url + "/api/v1/catalog",
        headers={**AUTH, "If-None-Match": first.headers["ETag"]},
        timeout=5,
    )
    assert again.status_code == 304


def test_kiosk_backend_serves_the_shipped_catalog_unless_given_one(backend):
    """The backend imports nothing of the kiosk: `kiosk backend` hands it the file."""
    served = requests.get(backend.url + "/api/v1/catalog", headers=AUTH, timeout=5)
    assert served.json() == json.loads(shipped_catalog_text())


def test_an_app_made_without_a_catalog_says_so_with_a_404():
    answer = request(create_app(), "GET", "/api/v1/catalog", headers=AUTH)
    assert answer.status == 404 and answer.json()["error"] == "no_catalog"


def test_usage_events_refuse_unknown_fields_so_no_personal_data_slips_in(backend):
    event = usage_event()
    url = backend.url + "/api/v1/usage-events"
    batch = {"batch_id": str(uuid.uuid4()), "events": [event, event]}
    ok = requests.post(url, json=batch, headers=AUTH, timeout=5)
    assert ok.status_code == 200
    assert ok.json() == {"received": 2, "new": 1, "batch_id": batch["batch_id"]}
    leaky = [
        {**event, "seq": 1, "name": "王䶮"},  # an unknown field
        usage_event(1, target="王䶮"),  # free text
        usage_event(1, target="key_13812345678"),  # a phone number in a token
        usage_event(1, level=13812345678),  # a phone number as a number
        {**event, "seq": 1, "session_id": "445281195207081310xxxx"},
    ]
    for bad in leaky:
        answer = requests.post(url, json={"events": [bad]}, headers=AUTH, timeout=5)
        assert answer.status_code == 422, bad


def test_registered_kiosks_each_write_only_their_own_number_space(tmp_path):
    from mock_backend import KioskRegistration
    from mock_backend.tracking import make_tracking_number

    first = KioskRegistration("kiosk-a", "0101", "token-a-0123456789abcdef")
    second = KioskRegistration("kiosk-b", "0102", "token-b-0123456789abcdef")
    server = BackendProcess(tmp_path / "fleet.db", kiosks=[first, second])
    server.start()
    try:
        number_b = make_tracking_number("0102", 1, 1)
        as_a = body(kiosk_id="kiosk-a", tracking_number=number_b)
        refused = post(server, as_a, headers=auth(first))
        assert refused.status_code == 403
        assert refused.json()["error"] == "tracking_number_outside_kiosk_space"
        assert post(server, body(), headers=AUTH).status_code == 401  # no demo kiosk now
        as_b = body(kiosk_id="kiosk-b", tracking_number=number_b)
        assert post(server, as_b, headers=auth(second)).status_code == 201
        assert server.status(number_b, headers=auth(first))["tracking_number"] == number_b
        summary = requests.get(server.url + "/api/v1/kiosk", headers=auth(second), timeout=5)
        assert summary.json() == {
            "kiosk_id": "kiosk-b",
            "kiosk_number": "0102",
            "submissions": 1,
            "max_epoch": 1,
        }
        assert [row[1] for row in server.rows()] == [number_b]
    finally:
        server.stop()


def test_training_submissions_over_http(backend):
    assert post(backend, body(training=True)).status_code == 201
    assert backend.status("000100100000015")["training"] is True
    assert backend.rows() == []  # the real table holds no practice runs
    page = requests.get(backend.url + "/track/000100100000015", timeout=5)
    assert "培训 / Training" in page.text
