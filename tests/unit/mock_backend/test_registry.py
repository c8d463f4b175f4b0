"""The kiosk registry: who may talk to the backend, with which token and number space."""

import argparse
import dataclasses

import pytest

from mock_backend import (
    DEMO_KIOSK,
    InvalidKioskSpec,
    KioskRegistration,
    create_app,
    parse_kiosk_spec,
)
from tests.unit.mock_backend.asgi import AUTH, auth, request

TOKEN = "t0ken-for-kiosk-0002-abcdef"


def test_a_spec_parses_into_a_frozen_registration():
    kiosk = parse_kiosk_spec(f"kiosk-0002:0002:{TOKEN}")
    assert kiosk == KioskRegistration("kiosk-0002", "0002", TOKEN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        kiosk.token = "other-token-0123456789"  # type: ignore[misc]
    assert TOKEN not in repr(kiosk)  # a secret stays out of logs


def test_a_token_is_any_rfc6750_bearer_token():
    assert parse_kiosk_spec("k:0002:abc~def/ghi+jkl.mno==").token == "abc~def/ghi+jkl.mno=="


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("kiosk-0002", "ID:NUMBER:TOKEN"),
        ("kiosk-0002:0002", "ID:NUMBER:TOKEN"),
        (f"kiosk-0002:002:{TOKEN}", "4 digits"),
        (f"kiosk-0002:00021:{TOKEN}", "4 digits"),
        (f"kiosk-0002:abcd:{TOKEN}", "4 digits"),
        (f"kiosk-0002:٠٠٠٢:{TOKEN}", "4 digits"),  # Arabic-Indic digits are not ASCII
        (f"kiosk-0002:0000:{TOKEN}", "0000"),
        ("kiosk-0002:0002:short-token", "at least 16"),
        ("kiosk-0002:0002:has a space in the token", "bearer token"),
        ("kiosk-0002:0002:a-colon:in-the-token", "bearer token"),
        (f":0002:{TOKEN}", "kiosk id"),
        (f"kiosk 2:0002:{TOKEN}", "kiosk id"),
        (f"{'k' * 65}:0002:{TOKEN}", "kiosk id"),
        (f"kiosk-0002\n:0002:{TOKEN}", "kiosk id"),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(spec, message):
    with pytest.raises(ValueError, match=message) as caught:
        parse_kiosk_spec(spec)
    assert TOKEN not in str(caught.value)


def test_argparse_error_text_names_the_problem(capsys):
    parser = argparse.ArgumentParser(prog="kiosk backend")
    parser.add_argument("--kiosk", action="append", type=parse_kiosk_spec)
    with pytest.raises(SystemExit):
        parser.parse_args(["--kiosk", "a:12:" + TOKEN])
    # Not argparse's generic "invalid parse_kiosk_spec value": the reason itself.
    assert "kiosk number '12' must be exactly 4 digits" in capsys.readouterr().err
    assert issubclass(InvalidKioskSpec, ValueError)


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (KioskRegistration("kiosk-0001", "0002", TOKEN), "kiosk id kiosk-0001"),
        (KioskRegistration("kiosk-0002", "0001", TOKEN), "kiosk number 0001"),
        (KioskRegistration("kiosk-0002", "0002", DEMO_KIOSK.token), "share a token"),
    ],
)
def test_duplicate_ids_numbers_or_tokens_are_refused(tmp_path, second, message):
    with pytest.raises(ValueError, match=message):
        create_app(tmp_path / "b.db", kiosks=[DEMO_KIOSK, second])


def test_an_empty_registry_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        create_app(kiosks=[])


def test_without_kiosks_only_the_demo_pairing_is_registered():
    app = create_app()
    assert KioskRegistration("kiosk-0001", "0001", "dev-token-kiosk-0001") == DEMO_KIOSK
    assert request(app, "GET", "/api/v1/kiosk", headers=AUTH).json()["kiosk_id"] == "kiosk-0001"
    other = KioskRegistration("kiosk-0002", "0002", TOKEN)
    assert request(app, "GET", "/api/v1/kiosk", headers=auth(other)).status == 401


def test_each_registered_token_authenticates_its_own_kiosk():
    second = KioskRegistration("kiosk-0002", "0002", TOKEN)
    app = create_app(kiosks=[DEMO_KIOSK, second])
    for kiosk in (DEMO_KIOSK, second):
        answer = request(app, "GET", "/api/v1/kiosk", headers=auth(kiosk)).json()
        assert (answer["kiosk_id"], answer["kiosk_number"]) == (kiosk.kiosk_id, kiosk.kiosk_number)


def test_registering_other_kiosks_drops_the_demo_token():
    app = create_app(kiosks=[KioskRegistration("kiosk-0002", "0002", TOKEN)])
    assert request(app, "GET", "/api/v1/kiosk", headers=AUTH).status == 401


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"Bearer  {TOKEN} "],
)
def test_the_bearer_scheme_is_case_insensitive_and_spaces_are_tolerated(header):
    app = create_app(kiosks=[KioskRegistration("kiosk-0002", "0002", TOKEN)])
    assert request(app, "GET", "/api/v1/kiosk", headers={"Authorization": header}).status == 200


@pytest.mark.parametrize("header", [TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_anything_but_the_bearer_token_is_401(header):
    app = create_app(kiosks=[KioskRegistration("kiosk-0002", "0002", TOKEN)])
    answer = request(app, "GET", "/api/v1/kiosk", headers={"Authorization": header})
    assert answer.status == 401 and answer.headers["www-authenticate"] == "Bearer"
