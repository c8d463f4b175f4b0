"""The verifier's backend: look-ups by HMAC only, the signed status list the kiosk reads,
a status file read again when it changes, sequences that never go back."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import uuid

import pytest
import requests

from kiosk.status_list import (
    StatusListError,
    decode_public_key,
    lookup_digest,
    lookup_key_id,
    parse_status_list,
)
from mock_backend import create_app
from mock_backend.status_list import (
    StatusBook,
    StatusFileError,
    VerifierSetup,
    load_lookup_key,
    load_signing_key,
    public_key_text,
)
from mock_backend.tracking import make_tracking_number
from tests.helpers.backend import AUTH
from tests.helpers.verifier import VerifierBackend
from tests.unit.mock_backend.asgi import request

PASSING = "445281195207081310"
DENIED = "44010219480315242X"
ABSENT = "110101199003077777"


@pytest.fixture
def setup(tmp_path):
    statuses = tmp_path / "statuses.csv"
    statuses.write_text(f"id_number,status\n{PASSING},pass\n{DENIED},deny\n", encoding="utf-8")
    return VerifierSetup(
        statuses, load_lookup_key(tmp_path / "lookup.key"), load_signing_key(tmp_path / "sign.key")
    )


def look_up(app, number: str, key: bytes) -> dict:
    body = {"hmac": lookup_digest(key, number).hex()}
    answer = request(app, "POST", "/api/v1/verifications", json_body=body, headers=AUTH)
    assert answer.status == 200, answer.text
    return answer.json()


def test_the_online_look_up_answers_by_keyed_hash(setup):
    app = create_app(verifier=setup)
    key = setup.lookup_key
    assert look_up(app, PASSING, key)["result"] == "pass"
    assert look_up(app, DENIED.lower(), key)["result"] == "deny"  # the number as printed
    assert look_up(app, ABSENT, key)["result"] == "unknown"
    # The hash without the key (what the old endpoint took) finds nobody.
    unkeyed = {"hmac": hashlib.sha256(PASSING.encode()).hexdigest()}
    answer = request(app, "POST", "/api/v1/verifications", json_body=unkeyed, headers=AUTH)
    assert answer.json()["result"] == "unknown"


@pytest.mark.parametrize(
    "body",
    [{"hmac": PASSING}, {"id_number": PASSING}, {"hmac": "a" * 64, "id_number": PASSING}],
    ids=["the number as the hash", "the number itself", "the number alongside"],
)
def test_a_raw_id_number_is_refused(setup, body):
    app = create_app(verifier=setup)
    answer = request(app, "POST", "/api/v1/verifications", json_body=body, headers=AUTH)
    assert answer.status == 422


def test_a_kiosk_token_is_required(setup):
    app = create_app(verifier=setup)
    body = {"hmac": lookup_digest(setup.lookup_key, PASSING).hex()}
    assert request(app, "POST", "/api/v1/verifications", json_body=body).status == 401
    assert request(app, "GET", "/api/v1/status-list").status == 401
    other = {"Authorization": "Bearer not-a-kiosk-token-at-all"}
    assert request(app, "GET", "/api/v1/status-list", headers=other).status == 401


def test_the_kiosk_reads_the_list_the_backend_signs(setup):
    app = create_app(verifier=setup)
    answer = request(app, "GET", "/api/v1/status-list", headers=AUTH)
    assert answer.headers["content-type"] == "application/octet-stream"
    key = setup.lookup_key
    public = decode_public_key(public_key_text(setup.signing_key))
    held = parse_status_list(answer.body, public, lookup_key_id(key))
    assert (held.sequence, held.count, held.absent) == (1, 2, "unknown")
    assert held.status_of(lookup_digest(key, PASSING)) == "pass"
    assert held.status_of(lookup_digest(key, DENIED)) == "deny"
    assert held.status_of(lookup_digest(key, ABSENT)) == "unknown"
    assert held.wording.title.zh == "健康码核验" and held.wording.labels["deny"].zh == "禁止通行"
    assert PASSING.encode() not in answer.body and DENIED.encode() not in answer.body
    # Signed by this backend's key only.
    stranger = decode_public_key(
        public_key_text(load_signing_key(setup.status_file.with_name("x")))
    )
    with pytest.raises(StatusListError, match="bad signature"):
        parse_status_list(answer.body, stranger, lookup_key_id(key))


def test_a_list_is_reissued_when_half_its_validity_has_passed(setup, tmp_path):
    issued: list[tuple[int, str]] = []
    now = [dt.datetime(2026, 11, 21, tzinfo=dt.UTC).timestamp()]
    book = StatusBook(
        setup.status_file,
        setup.lookup_key,
        setup.signing_key,
        last_sequence=lambda: max((s for s, _ in issued), default=0),
        record_sequence=lambda sequence, etag: issued.append((sequence, etag)),
        validity_s=3600.0,
        clock=lambda: now[0],
    )
    first = book.current()
    now[0] += 1799
    assert book.current() is first
    now[0] += 1
    second = book.current()
    assert second.sequence == first.sequence + 1 and second.issued_at == first.issued_at + 1800
    assert second.valid_until == second.issued_at + 3600


def test_a_bad_status_file_names_its_line_and_never_the_number(setup):
    setup.status_file.write_text(f"id_number,status\n{PASSING},pass\n{DENIED},maybe\n")
    with pytest.raises(StatusFileError) as refused:
        create_app(verifier=setup)
    assert "statuses.csv:3" in str(refused.value) and DENIED not in str(refused.value)


def test_the_command_refuses_a_bad_status_file_and_prints_the_public_key(tmp_path):
    statuses = tmp_path / "statuses.csv"
    statuses.write_text(f"{PASSING},perhaps\n", encoding="utf-8")
    command = [sys.executable, "-m", "kiosk_cli", "--data-dir", str(tmp_path), "backend"]
    refused = subprocess.run(
        [*command, "--status-file", str(statuses)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "statuses.csv:1" in refused.stderr
    assert PASSING not in refused.stderr + refused.stdout
    printed = subprocess.run(
        [*command, "--print-public-key"], capture_output=True, text=True, timeout=60
    )
    key = load_signing_key(tmp_path / "status-list-signing.key")  # made by the command
    assert printed.stdout.strip() == public_key_text(key)
    assert (tmp_path / "status-list-signing.key").stat().st_mode & 0o077 == 0


def test_over_http_etag_date_reload_and_sequences_that_never_go_back(tmp_path):
    verifier = VerifierBackend(tmp_path, [(PASSING, "pass")]).start()
    url = verifier.url + "/api/v1/status-list"
    public = decode_public_key(verifier.public_key)
    key_id = lookup_key_id(verifier.lookup_key)
    try:
        first = requests.get(url, headers=AUTH, timeout=10)
        assert first.status_code == 200 and first.headers["Date"]
        same = requests.get(
            url, headers={**AUTH, "If-None-Match": first.headers["ETag"]}, timeout=10
        )
        assert same.status_code == 304 and same.headers["ETag"] == first.headers["ETag"]
        verifier.write_statuses([(PASSING, "deny")])
        changed = requests.get(
            url, headers={**AUTH, "If-None-Match": first.headers["ETag"]}, timeout=10
        )
        assert changed.status_code == 200
        held = parse_status_list(changed.content, public, key_id)
        assert held.sequence == 2
        assert held.status_of(lookup_digest(verifier.lookup_key, PASSING)) == "deny"
        verifier.status_file.write_text("broken,line,here\n", encoding="utf-8")
        kept = requests.get(url, headers=AUTH, timeout=10)
        assert kept.content == changed.content  # a broken edit keeps the last good list
        verifier.stop()
        verifier.write_statuses([(PASSING, "manual")])
        verifier.start()  # the same store: the next sequence, never 1 again
        restarted = parse_status_list(
            requests.get(url, headers=AUTH, timeout=10).content, public, key_id
        )
        assert restarted.sequence == 3
        database = (tmp_path / "backend.db").read_bytes()
        assert PASSING.encode() not in database
    finally:
        verifier.stop()


def record(payload: dict) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "kiosk_id": "kiosk-0001",
        "service_id": "verification",
        "tracking_number": make_tracking_number("0001", 1, 1),
        "created_at": "2026-11-21T10:00:00+08:00",
        "payload": payload,
    }


def test_a_verification_record_holds_the_keyed_hash_and_the_answer_only():
    app = create_app()
    good = {"hmac": "a" * 64, "result": "deny", "source": "offline", "list_sequence": 4}
    leaky = {**good, "id_number": PASSING}
    items = [record(good), record({**good, "hmac": PASSING}), record(leaky)]
    items[1]["tracking_number"] = make_tracking_number("0001", 1, 2)
    items[2]["tracking_number"] = make_tracking_number("0001", 1, 3)
    answer = request(
        app, "POST", "/api/v1/submissions/batch", json_body={"submissions": items}, headers=AUTH
    )
    assert [result["status"] for result in answer.json()["results"]] == [201, 422, 422]
