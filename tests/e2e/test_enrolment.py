"""`kiosk enrol`: real CLI processes against the real mock backend over HTTP on
127.0.0.1. A code enrols one kiosk once; two kiosks get distinct numbers and their
submissions reach the backend under them; every refusal says why and writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
import uuid

import pytest
import requests

from kiosk.config import KioskConfig
from kiosk.outbox import open_queue
from kiosk.tracking import tracking_number_maker
from tests.helpers.backend import BackendProcess, free_port

CODES = ("FIRST-code-0001", "SECOND-code-002", "THIRD-code-0003", "FOURTH-code-004")
STALE = "STALE-code-0009"


def kiosk(data_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def enrol(data_dir, backend_url: str, code: str, *extra: str) -> subprocess.CompletedProcess:
    return kiosk(data_dir, "enrol", "--backend", backend_url, "--code", code, *extra)


@pytest.fixture
def backend(tmp_path):
    codes_file = tmp_path / "codes.txt"
    codes_file.write_text(
        f"# handed to maintainers on 1 March\n{CODES[2]}\n{CODES[3]}  # the spare\n"
        f"{STALE} 2020-01-01T00:00+08:00\n",
        encoding="utf-8",
    )
    args = ["--enrol-code", CODES[0], "--enrol-code", CODES[1], "--enrol-codes", str(codes_file)]
    server = BackendProcess(tmp_path / "backend.db", None, *args)
    server.start()
    yield server
    server.stop()


def token_of(data_dir) -> str:
    return KioskConfig.load(data_dir).backend_token


def as_kiosk(server: BackendProcess, data_dir) -> dict:
    """GET /api/v1/kiosk with the token the kiosk holds: who the backend thinks it is."""
    answer = requests.get(
        f"{server.url}/api/v1/kiosk",
        headers={"Authorization": f"Bearer {token_of(data_dir)}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_two_kiosks_enrol_with_distinct_numbers_and_their_tokens_work(tmp_path, backend):
    first, second = tmp_path / "first", tmp_path / "second"
    done = [enrol(first, backend.url, CODES[0]), enrol(second, backend.url, CODES[2])]
    assert [result.returncode for result in done] == [0, 0], [r.stderr for r in done]
    configs = [KioskConfig.load(first), KioskConfig.load(second)]
    assert all(config.enrolled and not config.problems for config in configs)
    numbers = [config.kiosk_number for config in configs]
    assert numbers == ["0002", "0003"]  # 0001 is the demo kiosk's; never two alike
    assert [as_kiosk(backend, d)["kiosk_number"] for d in (first, second)] == numbers
    for config, result in zip(configs, done, strict=True):
        assert config.backend_url == backend.url
        assert config.public_status_url == f"{backend.url}/track"
        token_file = config.data_dir / f"backend-{config.kiosk_id}.token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert config.backend_token not in config.toml_path.read_text(encoding="utf-8")
        assert config.backend_token not in result.stdout + result.stderr
        assert config.kiosk_number in result.stdout

    # Each kiosk's submissions reach the backend under its own number.
    printed = []
    for data_dir, number in zip((first, second), numbers, strict=True):
        ran = kiosk(data_dir, "simulate", "--sessions", "3", "--drain-s", "20", "--seed", "3")
        assert ran.returncode == 0, ran.stderr[-3000:]
        receipts = json.loads(ran.stdout)["tracking_numbers"]
        assert receipts and all(receipt.startswith(number) for receipt in receipts)
        printed += receipts
    assert sorted(number for _, number, _ in backend.rows()) == sorted(printed)


def test_a_code_works_once_and_a_wrong_or_stale_one_never(tmp_path, backend):
    assert enrol(tmp_path / "first", backend.url, CODES[1]).returncode == 0
    cases = [
        (CODES[1], "a code works once"),
        ("NEVER-given-000", "does not know this code"),
        (STALE, "has expired"),
        ("short", "8 to 64 letters"),
    ]
    for code, said in cases:
        data_dir = tmp_path / f"refused-{code}"
        result = enrol(data_dir, backend.url, code)
        assert (result.returncode, said in result.stderr) == (1, True), result.stderr
        assert not (data_dir / "kiosk.toml").exists()  # nothing written


def test_an_unreachable_backend_is_named_and_the_code_stays_good(tmp_path, backend):
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = enrol(tmp_path / "k", nowhere, CODES[3])
    assert result.returncode == 1 and f"cannot reach the backend at {nowhere}" in result.stderr
    assert not (tmp_path / "k" / "kiosk.toml").exists()
    assert enrol(tmp_path / "k", backend.url, CODES[3]).returncode == 0


def test_an_enrolled_kiosk_is_enrolled_again_only_with_force(tmp_path, backend):
    data_dir = tmp_path / "k"
    data_dir.mkdir()
    (data_dir / "kiosk.toml").write_text(
        'kiosk_id = "kiosk-0001"\nkiosk_number = "0001"\nbackend_token = "typed-by-hand-0001"\n'
        "idle_timeout_s = 120\n",
        encoding="utf-8",
    )
    refused = enrol(data_dir, backend.url, CODES[0])
    assert refused.returncode == 1
    assert "already enrolled as kiosk-0001 (number 0001)" in refused.stderr
    assert "--force" in refused.stderr
    assert "typed-by-hand" in (data_dir / "kiosk.toml").read_text(encoding="utf-8")

    assert enrol(data_dir, backend.url, CODES[0], "--force").returncode == 0
    config = KioskConfig.load(data_dir)
    assert (config.kiosk_id, config.idle_timeout_s, config.problems) == ("kiosk-0002", 120, ())
    assert "typed-by-hand" not in config.toml_path.read_text(encoding="utf-8")

    # Again, with another code: the old token file goes, the new identity works.
    assert enrol(data_dir, backend.url, CODES[1], "--force").returncode == 0
    assert sorted(p.name for p in data_dir.glob("*.token")) == ["backend-kiosk-0003.token"]
    assert as_kiosk(backend, data_dir)["kiosk_id"] == "kiosk-0003"


def test_force_is_refused_while_submissions_wait(tmp_path, backend):
    data_dir = tmp_path / "k"
    assert enrol(data_dir, backend.url, CODES[0]).returncode == 0
    queue = open_queue(KioskConfig.load(data_dir))
    queue.enqueue(
        idempotency_key=str(uuid.uuid4()),
        service_id="hotline_12345",
        created_at=dt.datetime.now(dt.UTC),
        payload={"answers": {}},
        make_tracking_number=tracking_number_maker("0002"),
    )
    queue.store.close()
    refused = enrol(data_dir, backend.url, CODES[1], "--force")
    assert refused.returncode == 1 and "1 submission(s)" in refused.stderr, refused.stderr
    assert KioskConfig.load(data_dir).kiosk_id == "kiosk-0002"


def test_a_restarted_backend_remembers_kiosks_and_used_codes(tmp_path, backend):
    data_dir = tmp_path / "k"
    assert enrol(data_dir, backend.url, CODES[0]).returncode == 0
    backend.stop()
    backend.start()  # the same codes on its command line, the same store
    assert as_kiosk(backend, data_dir)["kiosk_id"] == "kiosk-0002"
    again = enrol(tmp_path / "other", backend.url, CODES[0])
    assert again.returncode == 1 and "a code works once" in again.stderr


def test_enrolling_while_the_kiosk_runs_is_refused_and_uses_no_code(tmp_path, backend):
    """A running kiosk holds its store open and would go on numbering under the old
    identity: kiosk enrol says to stop it first, before the code is spent."""
    data_dir = tmp_path / "k"
    assert enrol(data_dir, backend.url, CODES[0]).returncode == 0
    running = open_queue(KioskConfig.load(data_dir))  # as the kiosk's process holds it
    try:
        refused = enrol(data_dir, backend.url, CODES[1], "--force")
    finally:
        running.store.close()
    assert refused.returncode == 1 and "stop it first" in refused.stderr, refused.stderr
    assert KioskConfig.load(data_dir).kiosk_id == "kiosk-0002"
    # The code was not spent: stopped, the kiosk enrols with it.
    again = enrol(data_dir, backend.url, CODES[1], "--force")
    assert again.returncode == 0, again.stderr
    assert KioskConfig.load(data_dir).kiosk_id != "kiosk-0002"
