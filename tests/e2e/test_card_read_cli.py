"""`kiosk card insert/read/remove` as a maintainer runs them: real processes, real pcscd."""

import json
import os
import subprocess
import sys

import pytest

from drivers import id_number as idn
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from tests.helpers.cards import CHEN_XIUYING, WANG_YAN, wait_for_presence


def kiosk(*args, env=None, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk_cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def cli_card(card_slots, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    yield
    kiosk("card", "remove")
    wait_for_presence(0, False)
    wait_for_presence(1, False)


@pytest.mark.parametrize("person", [WANG_YAN, CHEN_XIUYING], ids=["outside-gbk", "common"])
def test_card_read_json_prints_the_name_and_masked_number(cli_card, person):
    name, number = person
    kiosk("card", "insert", "--name", name, "--id", number)
    wait_for_presence(0, True)
    record = json.loads(kiosk("card", "read", "--json").stdout)
    assert record["name"] == name
    assert record["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert record["birth_date"] == idn.birth_date(number).isoformat()
    assert record["reader"] == "Virtual PCD 00 00"
    assert record["apdus_sent"] == 9
    unmasked = json.loads(kiosk("card", "read", "--json", "--unmasked").stdout)
    assert unmasked["id_number"] == number


def test_the_second_reader_is_read_too(cli_card):
    kiosk("card", "insert", "--name", WANG_YAN[0], "--id", WANG_YAN[1], "--reader", "1")
    wait_for_presence(1, True)
    record = json.loads(kiosk("card", "read", "--json", "--unmasked").stdout)
    assert (record["reader"], record["name"], record["id_number"]) == (
        "Virtual PCD 00 01",
        *WANG_YAN,
    )


def test_removed_card_means_no_card(cli_card):
    kiosk("card", "insert", "--name", WANG_YAN[0], "--id", WANG_YAN[1])
    wait_for_presence(0, True)
    assert "Virtual PCD 00 00" in kiosk("card", "remove").stdout
    wait_for_presence(0, False)
    result = kiosk("card", "read", check=False)
    assert result.returncode == 5
    assert "no card" in result.stderr


def test_bad_check_digit_is_refused_with_a_clear_message(cli_card):
    number = WANG_YAN[1]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    inserted = kiosk("card", "insert", "--name", "王䶮", "--id", wrong)
    assert "fails its check" in inserted.stderr
    wait_for_presence(0, True)
    result = kiosk("card", "read", "--json", check=False)
    assert result.returncode == 7
    assert "check digit" in result.stderr
    assert result.stdout == ""


def test_no_pcscd_is_said_plainly(pcscd, tmp_path):
    # libpcsclite finds pcscd through this socket path: point it at nothing.
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    result = kiosk("card", "read", env=env, check=False)
    assert result.returncode == 3
    assert "pcscd is not running" in result.stderr


class ForeignCard(EmulatedSocialSecurityCard):
    """A card that answers but holds no social security application (a bank card, say)."""

    def process(self, apdu):
        return b"\x6a\x82" if apdu[1] == 0xA4 else b"\x6d\x00"


def test_a_foreign_card_is_unsupported_not_missing(card_slots):
    card_slots.insert("", "", card=ForeignCard(SocialSecurityCardData(*WANG_YAN)))
    wait_for_presence(0, True)
    result = kiosk("card", "read", check=False)
    assert result.returncode == 6
    assert "not a social security card" in result.stderr


def test_no_reader_is_said_plainly(pcscd):
    pcscd.start_without_readers()
    try:
        result = kiosk("card", "read", check=False)
    finally:
        pcscd.stop()
        pcscd.ensure_running()
    assert result.returncode == 4
    assert "no card reader is connected" in result.stderr


@pytest.mark.parametrize(
    ("profile", "code", "words"),
    [
        ("t0", 0, None),
        ("pin", 0, None),
        ("bad-tlv", 7, "malformed"),
        ("foreign", 6, "not a social security card"),
    ],
)
def test_insert_profiles_for_training(cli_card, profile, code, words):
    kiosk("card", "insert", "--name", WANG_YAN[0], "--id", WANG_YAN[1], "--profile", profile)
    wait_for_presence(0, True)
    result = kiosk("card", "read", "--json", check=False)
    assert result.returncode == code, result.stderr
    if words:
        assert words in result.stderr
    else:
        assert json.loads(result.stdout)["name"] == WANG_YAN[0]


def test_card_read_comes_back_from_a_card_that_stopped_answering(card_slots, tmp_path):
    """Landed code: `kiosk card read` blocked for as long as the hung card stayed in."""
    import time

    from drivers.simulated.card_faults import faulty_card

    (tmp_path / "kiosk.toml").write_text("card_read_timeout_s = 1.5\n")
    card_slots.insert("", "", card=faulty_card(*WANG_YAN, "hang", at_apdu=4))
    wait_for_presence(0, True)
    started = time.monotonic()
    result = kiosk("--data-dir", str(tmp_path), "card", "read", check=False)
    took = time.monotonic() - started
    assert result.returncode == 8 and "no answer within 1.5 s" in result.stderr
    assert took < 1.5 + 2 + 1.5, took  # the timeout, the allowance, the interpreter start
