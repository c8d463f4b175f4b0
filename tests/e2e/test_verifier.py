"""The verifier (验码一体机, issue 14) end to end: real pcscd + vpcd with the emulated social
security card, the emulated SAM ID-card reader on a real pseudo-terminal, the real backend
with a status file behind a recording proxy, the real window offscreen, and `kiosk verify`
processes (some under libfaketime) on the same held list."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers import id_number as idn
from drivers.simulated.sam_card import sam_card
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.status_list import lookup_digest
from kiosk.voice import RecordingVoice
from tests.helpers.cards import CHEN_XIUYING, WANG_YAN
from tests.helpers.enrolment import enrolled, write_enrolled_toml
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.kiosk_ui import text_of
from tests.helpers.verifier import VerifierBackend
from ui.main_window import KioskWindow

pytestmark = pytest.mark.pcsc

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
PASSING = ("李明", idn.with_check_character("11010119900307123"))  # on the ID-card reader
ABSENT = ("赵六", idn.with_check_character("11010119900307777"))  # on no list
PEOPLE = (WANG_YAN, CHEN_XIUYING, PASSING, ABSENT)


@pytest.fixture
def verifier_backend(tmp_path):
    server = VerifierBackend(
        tmp_path / "backend",
        [(WANG_YAN[1], "deny"), (CHEN_XIUYING[1], "manual"), (PASSING[1], "pass")],
    ).start()
    yield server
    server.stop()


@pytest.fixture
def proxy(verifier_backend):
    """Every byte between the kiosk and the backend passes here and is kept."""
    recorder = FaultProxy(verifier_backend.url).start()
    yield recorder
    recorder.stop()


@pytest.fixture
def verifier_window(qtbot, tmp_path, pcscd, card_slots, sam_reader, verifier_backend, proxy):
    data_dir = tmp_path / "kiosk"
    settings = verifier_backend.kiosk_settings(
        backend_url=proxy.url,
        id_card_port=str(sam_reader.port),
        terminal_mode="verifier",
        sync_interval_s=1.0,
        retry_base_s=0.2,
        retry_cap_s=1.0,
    )
    core = KioskCore(KioskConfig.load(data_dir, **enrolled(data_dir, **settings)))
    voice = RecordingVoice()
    window = KioskWindow(core, voice=voice)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    core.start()
    try:
        qtbot.waitUntil(lambda: core.verifier.keeper.current is not None, timeout=10000)
        qtbot.waitUntil(
            lambda: core.reader_status is not None and "身份证" in core.reader_status.message.zh,
            timeout=10000,
        )
        yield core, window, voice
    finally:
        core.stop()


def answer_on_screen(qtbot, window, put_card) -> tuple[str, str, str]:
    """(result, big word, source line) painted after `put_card()`."""
    with qtbot.waitSignal(window.verifier_shown, timeout=10000):
        put_card()
    return (
        window.verifier.result,
        text_of(window, "verifierStatus"),
        text_of(window, "verifierSource"),
    )


def back_to_waiting(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.verifier.result == "", timeout=5000)
    assert text_of(window, "verifierStatus") == "请刷卡 / 请放身份证"


def test_online_the_four_answers_from_real_readers_shown_spoken_and_nothing_leaks(
    qtbot, verifier_window, card_slots, sam_reader, proxy, verifier_backend
):
    core, window, voice = verifier_window
    assert answer_on_screen(qtbot, window, lambda: card_slots.insert(*WANG_YAN)) == (
        "deny",
        "禁止通行",
        "在线核验",
    )
    assert voice.texts[-1] == "禁止通行。在线核验"
    assert text_of(window, "verifierHolder") == "王*"
    card_slots.remove()
    back_to_waiting(qtbot, window)  # the card left: at once (after its 1 s on screen)

    result = answer_on_screen(qtbot, window, lambda: card_slots.insert(*CHEN_XIUYING))
    assert result == ("manual", "请人工核验", "在线核验")
    assert voice.texts[-1] == "请人工核验。在线核验"
    card_slots.remove()
    back_to_waiting(qtbot, window)

    def place(person):
        return lambda: sam_reader.place(sam_card("resident-id", *person))

    assert answer_on_screen(qtbot, window, place(PASSING))[:2] == ("pass", "通过")
    assert voice.texts[-1] == "通过。在线核验"
    # The next card is taken at once: another laid on the reader replaces the answer.
    result = answer_on_screen(qtbot, window, place(ABSENT))
    assert result == ("unknown", "无法核验 请人工核验", "在线核验")
    assert voice.texts[-1] == "无法核验 请人工核验。在线核验"
    sam_reader.lift()
    back_to_waiting(qtbot, window)

    # Every check reaches the backend through the outbox, as the keyed hash only.
    core.verifier.wait_idle()
    qtbot.waitUntil(lambda: core.queue.counts().sent == 4, timeout=15000)
    traffic = bytes(proxy.traffic)
    assert b"/api/v1/submissions/batch" in traffic and b"/api/v1/status-list" in traffic
    for name, number in PEOPLE:
        digest = lookup_digest(verifier_backend.lookup_key, number).hex().encode()
        assert traffic.count(digest) >= 2, name  # the look-up and the record: seen by the capture
        assert number.encode() not in traffic and number.lower().encode() not in traffic
        assert hashlib.sha256(number.encode()).hexdigest().encode() not in traffic
        assert name.encode() not in traffic and name.encode("gb18030") not in traffic


def test_backend_down_answers_from_the_held_list_marked_offline(
    qtbot, verifier_window, card_slots, proxy
):
    core, window, voice = verifier_window
    proxy.set_mode("down")  # connections reset, as when the line drops
    result, word, source = answer_on_screen(qtbot, window, lambda: card_slots.insert(*WANG_YAN))
    assert (result, word) == ("deny", "禁止通行")
    assert source == "离线核验 · 名单更新于0 分钟前"
    assert voice.texts[-1] == "禁止通行。离线核验 · 名单更新于0 分钟前"


# -- `kiosk verify` on the same held list -------------------------------------------------


@pytest.fixture
def cli_kiosk(tmp_path, pcscd, card_slots, sam_reader, verifier_backend, proxy):
    data_dir = tmp_path / "cli-kiosk"
    settings = verifier_backend.kiosk_settings(backend_url=proxy.url)
    write_enrolled_toml(data_dir, "".join(f'{k} = "{v}"\n' for k, v in settings.items()))
    return data_dir


def kiosk_verify(data_dir, sam_reader, *args, faketime: str | None = None) -> dict:
    """One `kiosk verify` of a card laid on the reader for it (a reader reads a card once
    a placement)."""
    sam_reader.place(sam_card("resident-id", *PASSING))
    env = dict(os.environ)
    if faketime is not None:
        assert FAKETIME.exists(), "apt-get install faketime"
        env.update(LD_PRELOAD=str(FAKETIME), FAKETIME=faketime, FAKETIME_DONT_FAKE_MONOTONIC="1")
    command = [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), "verify"]
    done = subprocess.run(
        [*command, "--json", "--wait", "15", "--id-card-port", str(sam_reader.port), *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    answer["stderr"] = done.stderr
    return answer


def test_kiosk_verify_prints_the_answer_and_its_latency(
    cli_kiosk, sam_reader, proxy, verifier_backend
):
    answer = kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    assert "list installed sequence 1" in answer["stderr"]
    assert {k: answer[k] for k in ("result", "label", "source", "list_sequence")} == {
        "result": "pass",
        "label": "通过",
        "source": "online",
        "list_sequence": 1,
    }
    assert 0 <= answer["list_age_s"] < 60 and 0 < answer["latency_ms"] < 1000
    assert PASSING[1] not in answer["stderr"] and PASSING[0] not in answer["stderr"]
    # The look-up, then the check itself, sent before the command ends.
    digest = lookup_digest(verifier_backend.lookup_key, PASSING[1]).hex().encode()
    assert bytes(proxy.traffic).count(digest) == 2


def test_past_valid_until_the_held_list_answers_grey(cli_kiosk, sam_reader, proxy):
    kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    proxy.set_mode("down")
    offline = kiosk_verify(cli_kiosk, sam_reader)
    assert (offline["result"], offline["source"]) == ("pass", "offline")
    expired = kiosk_verify(cli_kiosk, sam_reader, faketime="+3d")  # the list's 48 h are over
    assert {k: expired[k] for k in ("result", "source", "reason")} == {
        "result": "unknown",
        "source": "none",
        "reason": "list_expired",
    }
    assert expired["label"] == "无法核验 请人工核验" and expired["list_age_s"] > 2 * 86400


def test_a_clock_off_the_backends_date_answers_grey(cli_kiosk, sam_reader):
    kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    skewed = kiosk_verify(cli_kiosk, sam_reader, faketime="+15m")  # clock_skew_max_s: 120 s
    assert (skewed["result"], skewed["reason"]) == ("unknown", "clock_skewed")
    assert "ahead of the backend" in skewed["stderr"]  # the staff alert, logged


def test_a_clock_behind_the_held_lists_issue_time_answers_grey(cli_kiosk, sam_reader, proxy):
    kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    proxy.set_mode("down")  # no `Date` to compare with: only the list's issue time is left
    behind = kiosk_verify(cli_kiosk, sam_reader, faketime="-1h")  # clock_skew_max_s: 120 s
    assert {k: behind[k] for k in ("result", "source", "reason")} == {
        "result": "unknown",
        "source": "none",
        "reason": "clock_behind_list",
    }
    assert "behind the status list's issue time" in behind["stderr"]  # the staff alert
    assert kiosk_verify(cli_kiosk, sam_reader)["source"] == "offline"  # the true clock: answers


def test_a_tampered_list_and_an_older_one_are_refused_and_the_last_good_one_kept(
    cli_kiosk, sam_reader, proxy, verifier_backend
):
    kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    first = (cli_kiosk / "status-list.bin").read_bytes()
    verifier_backend.write_statuses([(PASSING[1], "deny")])  # sequence 2 waits at the backend
    proxy.rewrite = lambda path, body: (
        body[:-1] + bytes([body[-1] ^ 1]) if "status-list" in path else body
    )
    tampered = kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    assert "list refused bad signature" in tampered["stderr"]
    assert (cli_kiosk / "status-list.bin").read_bytes() == first
    assert (tampered["result"], tampered["list_sequence"]) == ("deny", 1)  # online; list 1 kept
    proxy.rewrite = None
    assert "installed sequence 2" in kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")["stderr"]
    verifier_backend.write_statuses([(PASSING[1], "manual")])  # sequence 3: a 200, not a 304
    proxy.rewrite = lambda path, body: first if "status-list" in path else body
    rolled_back = kiosk_verify(cli_kiosk, sam_reader, "--refresh-list")
    assert "sequence 1 is not newer than the held 2" in rolled_back["stderr"]
    assert rolled_back["list_sequence"] == 2
