"""`kiosk doctor` on the real machine: pcscd, readers, a card, the backend, disk, fonts."""

import json
import os
import subprocess
import sys

from tests.helpers.backend import free_port
from tests.helpers.cards import WANG_YAN, wait_for_presence


def doctor(tmp_path, backend_url, env=None):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "--data-dir",
            str(tmp_path),
            "doctor",
            "--json",
            "--backend-url",
            backend_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    return result.returncode, {check["name"]: check for check in json.loads(result.stdout)}


def test_all_green_with_a_card_in_the_reader(tmp_path, backend, card_slots):
    card_slots.insert(*WANG_YAN)
    wait_for_presence(0, True)
    code, checks = doctor(tmp_path, backend.url)
    assert code == 0, checks
    assert checks["card readable"]["detail"].endswith("in 9 APDUs")
    assert WANG_YAN[1] not in json.dumps(checks) and WANG_YAN[0] not in json.dumps(checks)
    assert checks["Chinese fonts"]["ok"] and checks["voices (cmn, yue)"]["ok"]


def test_failures_come_with_their_fix(tmp_path, pcscd):
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    code, checks = doctor(tmp_path, f"http://127.0.0.1:{free_port()}", env)
    assert code == 1
    assert not checks["pcscd running"]["ok"]
    assert "pcscd --foreground" in checks["pcscd running"]["fix"]
    assert not checks["backend reachable"]["ok"]
    assert "queue" in checks["backend reachable"]["fix"]
