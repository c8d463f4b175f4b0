"""`kiosk card read|insert|remove` with the ID-card (SAM) reader (issue 12), as a maintainer
runs them: real `kiosk` processes, the emulated reader on a real pseudo-terminal (in this
process, or held by the detached holder process that `kiosk card insert --kind` starts).

Unless a test needs pcscd, PC/SC is pointed at a socket that does not exist: a missing
pcscd must not stop an ID-card read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from drivers import id_number as idn
from drivers.errors import CardNotResponding, NoCard, SamError
from drivers.simulated import sam_holder
from drivers.simulated.sam_card import sam_card
from kiosk_cli import simulated_cards
from tests.helpers.cards import WANG_YAN, wait_for_presence

RESIDENT = idn.with_check_character("44528119520708131")
HONG_KONG = idn.with_check_character("81000019850315123")
PERMIT = "CAN110075052015"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data directory, a runtime directory of its own (where `card insert` keeps the
    simulated reader), and no pcscd."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("PCSCLITE_CSOCK_NAME", str(tmp_path / "no-pcscd.comm"))
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def emulator(sam_reader):
    return sam_reader


@pytest.fixture
def holder(data_dir, tmp_path):
    """The runtime paths of the simulated reader `kiosk card insert --kind` starts; its
    holder process is ended at teardown whatever the test did."""
    runtime = tmp_path / "run" / "village-kiosk"
    link, control = runtime / "sam-reader", runtime / "sam-reader.json"
    yield link, control
    simulated_cards.stop_id_reader(control)


def kiosk(data_dir, *args, check=True, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def read_json(data_dir, *args):
    return json.loads(kiosk(data_dir, "card", "read", "--json", *args).stdout)


def masked(number):
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# -- card read --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (
            sam_card("resident-id", "王䶮", RESIDENT, valid_to="长期"),
            {
                "card_kind": "resident_id",
                "name": "王䶮",
                "id_number": RESIDENT,
                "sex": "1",
                "birth_date": "1952-07-08",
                "valid_until": "long_term",
                "card_expiry": None,
            },
        ),
        (
            sam_card("hkmt", "陈大文", HONG_KONG, valid_to="20310501"),
            {
                "card_kind": "residence_permit_hkmt",
                "name": "陈大文",
                "id_number": HONG_KONG,
                "sex": "1",
                "birth_date": "1985-03-15",
                "valid_until": "2031-05-01",
                "card_expiry": "2031-05-01",
            },
        ),
        (
            sam_card("foreign", "史密斯", PERMIT, name_en="SMITH, JOHN", nationality="GBR"),
            {
                "card_kind": "foreign_permanent_resident",
                "name": "史密斯",
                "name_en": "SMITH, JOHN",
                "nationality": "GBR",
                "id_number": PERMIT,
                "sex": "1",
                "birth_date": "1975-05-20",
                "valid_until": "2040-01-01",
                "card_expiry": "2040-01-01",
            },
        ),
    ],
    ids=["resident-id-long-term", "hkmt", "foreign"],
)
def test_card_read_json_for_each_kind_masked_and_unmasked(data_dir, emulator, card, expected):
    port = ["--id-card-port", emulator.port]
    emulator.place(card)
    record = read_json(data_dir, *port)
    number = expected["id_number"]
    assert record == {
        "reader": f"SAM {emulator.port}",
        **expected,
        "id_number": masked(number),
        **({"card_number": "*****" + card.pass_number[-4:]} if card.pass_number else {}),
        "frames": 4,  # SAM status, find, select, read
    }
    assert number not in json.dumps(record) and card.address not in json.dumps(record)
    emulator.lift()  # lifted and laid down again: the reader reads a card once
    emulator.place(card)
    unmasked = read_json(data_dir, *port, "--unmasked")
    assert unmasked["id_number"] == number
    assert unmasked.get("card_number", "") == card.pass_number


def test_the_port_comes_from_kiosk_toml_and_no_card_is_said_plainly(data_dir, emulator):
    (data_dir / "kiosk.toml").write_text(f'id_card_port = "{emulator.port}"\n')
    result = kiosk(data_dir, "card", "read", check=False)
    assert result.returncode == 5, result.stderr
    assert NoCard.fix in result.stderr and emulator.port in result.stderr
    assert "also, PC/SC readers" in result.stderr  # the other source, named as such
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    plain = kiosk(data_dir, "card", "read").stdout
    assert "resident_id" in plain and masked(RESIDENT) in plain and RESIDENT not in plain


def test_a_silent_reader_is_a_clear_error_within_the_timeout(data_dir, emulator):
    (data_dir / "kiosk.toml").write_text("card_read_timeout_s = 1.0\n")
    emulator.profile = "silent"
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    started = time.monotonic()
    result = kiosk(data_dir, "card", "read", "--id-card-port", emulator.port, check=False)
    took = time.monotonic() - started
    assert result.returncode == 8, result.stderr
    assert CardNotResponding.fix in result.stderr
    assert "no answer to SAM status within 1.00 s" in result.stderr
    assert took < 1.0 + 1.5, took  # the timeout, plus the interpreter's start


@pytest.mark.parametrize(
    ("profile", "code", "words"),
    [
        ("sam-fault", 10, SamError.fix),
        ("bad-checksum", 8, "XOR checksum"),
        ("unknown-status", 10, "not defined by GA/T 467"),
    ],
)
def test_reader_faults_have_their_exit_codes(data_dir, emulator, profile, code, words):
    emulator.profile = profile
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    result = kiosk(data_dir, "card", "read", "--id-card-port", emulator.port, check=False)
    assert result.returncode == code, result.stderr
    assert words in result.stderr and result.stdout == ""


def test_a_missing_port_is_named(data_dir, tmp_path):
    missing = str(tmp_path / "ttyUSB9")
    result = kiosk(data_dir, "card", "read", "--id-card-port", missing, check=False)
    assert result.returncode == 4, result.stderr  # the named reader, before absent pcscd
    assert f"no SAM reader at {missing}" in result.stderr


# -- insert / remove through the CLI ----------------------------------------------------------


def test_insert_read_remove_on_the_simulated_reader(data_dir, holder):
    link, control = holder
    inserted = kiosk(
        data_dir,
        "card",
        "insert",
        "--kind",
        "resident-id",
        "--name",
        "王䶮",
        "--id",
        RESIDENT,
        "--valid-to",
        "long-term",
    )
    assert f"simulated ID-card reader at {link} (id_card_port)" in inserted.stdout
    assert oct(control.stat().st_mode & 0o777) == "0o600"
    # No id_card_port configured: `card read` finds the simulated reader by itself.
    record = read_json(data_dir, "--unmasked")
    assert (record["card_kind"], record["name"], record["id_number"]) == (
        "resident_id",
        "王䶮",
        RESIDENT,
    )
    assert record["valid_until"] == "long_term" and record["reader"] == f"SAM {link}"

    removed = kiosk(data_dir, "card", "remove", "--kind", "resident-id").stdout
    assert "lifted" in removed and "stays plugged in" in removed
    assert kiosk(data_dir, "card", "read", check=False).returncode == 5
    assert os.path.lexists(link)

    kiosk(
        data_dir,
        "card",
        "insert",
        "--kind",
        "foreign",
        "--name",
        "史密斯",
        "--name-en",
        "SMITH, JOHN",
        "--id",
        PERMIT,
    )
    foreign = read_json(data_dir)
    assert (foreign["card_kind"], foreign["name"], foreign["name_en"]) == (
        "foreign_permanent_resident",
        "史密斯",
        "SMITH, JOHN",
    )

    kiosk(data_dir, "card", "insert", "--kind", "hkmt", "--name", "陈大文", "--id", HONG_KONG)
    kiosk(data_dir, "card", "remove", "--kind", "hkmt", "--unplug")
    assert not os.path.lexists(link) and not sam_holder.pid_path(control).exists()
    result = kiosk(data_dir, "card", "read", check=False)
    assert result.returncode == 3 and "pcscd is not running" in result.stderr  # PC/SC only


def test_insert_with_a_fault_profile(data_dir, holder):
    kiosk(
        data_dir,
        "card",
        "insert",
        "--kind",
        "hkmt",
        "--name",
        "陈大文",
        "--id",
        HONG_KONG,
        "--profile",
        "no-card",
    )
    result = kiosk(data_dir, "card", "read", check=False)
    assert result.returncode == 5, result.stderr
    # A new card on the running holder: a new placement, read once.
    kiosk(data_dir, "card", "insert", "--kind", "hkmt", "--name", "陈大文", "--id", HONG_KONG)
    assert read_json(data_dir)["card_kind"] == "residence_permit_hkmt"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--kind", "foreign", "--name", "史密斯", "--id", PERMIT], "--name-en"),
        (
            ["--kind", "resident-id", "--name", "王䶮", "--id", RESIDENT, "--profile", "hang"],
            "hang",
        ),
        (["--name", "王䶮", "--id", RESIDENT, "--profile", "sam-fault"], "sam-fault"),
        (["--kind", "hkmt", "--name", "陈" * 16, "--id", HONG_KONG], "longer than 15"),
        (["--kind", "hkmt", "--name", "陈大文", "--id", HONG_KONG, "--valid-to", "soon"], "soon"),
    ],
    ids=["foreign-without-english-name", "ssc-profile", "sam-profile", "long-name", "bad-date"],
)
def test_insert_refuses_what_no_card_can_be(data_dir, holder, args, words):
    link, _ = holder
    result = kiosk(data_dir, "card", "insert", *args, check=False)
    assert result.returncode == 2 and words in result.stderr
    assert not os.path.lexists(link)  # no reader was started for it


def test_a_card_that_fails_its_checks_is_inserted_with_a_warning(data_dir, holder):
    wrong = RESIDENT[:17] + ("0" if RESIDENT[17] != "0" else "1")
    inserted = kiosk(
        data_dir, "card", "insert", "--kind", "resident-id", "--name", "王䶮", "--id", wrong
    )
    assert "will refuse this card" in inserted.stderr and "GB 11643" in inserted.stderr
    result = kiosk(data_dir, "card", "read", check=False)
    assert result.returncode == 7 and "check character" in result.stderr


# -- both kinds of reader -------------------------------------------------------------------------


def test_whichever_reader_holds_the_card_is_read(card_slots, emulator, tmp_path):
    """pcscd with vpcd, and the SAM reader: each card is found wherever it lies."""
    data = tmp_path / "data"
    data.mkdir()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    port = ["--id-card-port", emulator.port]
    card_slots.insert(*WANG_YAN)
    wait_for_presence(0, True)
    record = json.loads(kiosk(data, "card", "read", "--json", *port, env=env).stdout)
    assert (record["card_kind"], record["reader"], record["apdus_sent"]) == (
        "social_security",
        "Virtual PCD 00 00",
        9,
    )
    assert record["valid_until"] == record["card_expiry"]  # the card's own expiry
    card_slots.remove_all_and_wait()
    emulator.place(sam_card("hkmt", "陈大文", HONG_KONG))
    record = json.loads(kiosk(data, "card", "read", "--json", *port, env=env).stdout)
    assert (record["card_kind"], record["reader"]) == (
        "residence_permit_hkmt",
        f"SAM {emulator.port}",
    )
    emulator.lift()
    result = kiosk(data, "card", "read", *port, env=env, check=False)
    assert result.returncode == 5 and "no card" in result.stderr
