"""kiosk doctor on the verifier (issue 14): its two keys and the list it holds, each
with what to do when wrong."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from kiosk.config import KioskConfig
from kiosk.doctor import check_verifier
from kiosk.status_list_keeper import LIST_FILE
from mock_backend.status_list import Ed25519PrivateKey, public_key_text
from tests.helpers.enrolment import enrolled
from tests.unit.kiosk.status_lists import KEY, SIGNING_KEY, make_list

LOOKUP_KEY = base64.b64encode(KEY).decode()
PUBLIC_KEY = public_key_text(SIGNING_KEY)


def config(tmp_path, **settings) -> KioskConfig:
    return KioskConfig.load(tmp_path, **enrolled(tmp_path, **settings))


def by_name(checks) -> dict:
    return {check.name: check for check in checks}


def test_a_service_terminal_without_keys_is_fine(tmp_path):
    checks = check_verifier(config(tmp_path))
    assert [(c.name, c.ok) for c in checks] == [("verifier keys", True)]


def test_a_verifier_without_keys_is_told_where_they_come_from(tmp_path):
    checks = by_name(check_verifier(config(tmp_path, terminal_mode="verifier")))
    assert not checks["verifier look-up key"].ok
    assert "--lookup-key" in checks["verifier look-up key"].fix
    assert not checks["verifier public key"].ok
    assert "--print-public-key" in checks["verifier public key"].fix
    assert "status list" not in checks


def test_the_held_list_is_named_with_its_sequence_and_age(tmp_path):
    issued = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    (tmp_path / LIST_FILE).write_bytes(make_list({}, sequence=7, issued_at=issued))
    settings = {"verifier_lookup_key": LOOKUP_KEY, "verifier_public_key": PUBLIC_KEY}
    checks = by_name(check_verifier(config(tmp_path, terminal_mode="verifier", **settings)))
    assert checks["verifier look-up key"].ok and checks["verifier public key"].ok
    held = checks["status list"]
    assert held.ok, held.detail
    assert "sequence 7" in held.detail and "3.0 h ago" in held.detail
    # Past its valid-until (two days after issue): answers are grey, and staff are told.
    later = issued.timestamp() + 3 * 24 * 3600
    expired = by_name(check_verifier(config(tmp_path, **settings), now=later))["status list"]
    assert not expired.ok and "valid-until" in expired.detail and expired.fix


def test_a_list_signed_by_another_key_is_named(tmp_path):
    other = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"another key").digest())
    (tmp_path / LIST_FILE).write_bytes(make_list({}, signing_key=other))
    settings = {"verifier_lookup_key": LOOKUP_KEY, "verifier_public_key": PUBLIC_KEY}
    held = by_name(check_verifier(config(tmp_path, **settings)))["status list"]
    assert not held.ok and "signature" in held.detail and "keys" in held.fix


def test_a_malformed_key_in_kiosk_toml_is_named_twice(tmp_path):
    (tmp_path / "kiosk.toml").write_text(
        'terminal_mode = "verifier"\nverifier_lookup_key = "c2hvcnQ="\n', encoding="utf-8"
    )
    loaded = config(tmp_path)
    # The value is refused (the configuration check names it, hiding the secret) ...
    assert any(p.key == "verifier_lookup_key" for p in loaded.problems)
    assert "c2hvcnQ" not in str(loaded.problems)
    # ... and the verifier, running without it, says so and what to do.
    lookup = by_name(check_verifier(loaded))["verifier look-up key"]
    assert not lookup.ok and "empty" in lookup.detail and lookup.fix
