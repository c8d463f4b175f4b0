"""The mock backend over real HTTP (uvicorn in its own process)."""

import uuid

import requests

from tests.helpers.backend import AUTH


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


def test_every_api_call_needs_the_kiosk_token(backend):
    assert post(backend, body(), headers={}).status_code == 401
    assert post(backend, body(), headers={"Authorization": "Bearer wrong"}).status_code == 401
    status = requests.get(backend.url + "/api/v1/submissions/000126112100017", timeout=5)
    assert status.status_code == 401
    assert backend.rows() == []


def test_a_kiosk_cannot_submit_in_another_kiosks_name(backend):
    assert post(backend, body(kiosk_id="kiosk-0002")).status_code == 403


def test_oversized_bodies_are_refused(backend):
    response = requests.post(
        backend.url + "/api/v1/submissions",
        data=b"{" + b" " * (1024 * 1024) + b"}",
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413


def test_batch_gives_one_result_per_item_in_order(backend):
    good, replay = body(), body(tracking_number="000126112100025")
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
    assert {e["loc"][-1] for e in results[3]["error"]} >= {"tracking_number", "idempotency_key"}
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


def test_usage_events_refuse_unknown_fields_so_no_personal_data_slips_in(backend):
    event = {"event_id": str(uuid.uuid4()), "type": "step.shown", "at": "2026-11-21T10:00:00Z"}
    url = backend.url + "/api/v1/usage-events"
    ok = requests.post(url, json={"events": [event, event]}, headers=AUTH, timeout=5)
    assert ok.status_code == 200 and ok.json() == {"received": 2, "new": 1}
    leaky = {**event, "event_id": str(uuid.uuid4()), "name": "王䶮"}
    assert requests.post(url, json={"events": [leaky]}, headers=AUTH, timeout=5).status_code == 422


def test_verifier_lookup_takes_a_digest_not_the_number(backend):
    url = backend.url + "/api/v1/verifications"
    answer = requests.post(url, json={"id_number_sha256": "a" * 64}, headers=AUTH, timeout=5)
    assert answer.json()["status"] == "unknown"
    raw = requests.post(
        url, json={"id_number_sha256": "445281195207081310"}, headers=AUTH, timeout=5
    )
    assert raw.status_code == 422
