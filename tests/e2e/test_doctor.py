"""`kiosk doctor` on the real machine: pcscd, readers, a card, the backend, disk, fonts."""

import json
import os
import subprocess
import sys

from tests.helpers.backend import free_port
from tests.helpers.cards import WANG_YAN, wait_for_presence
from tests.helpers.enrolment import write_enrolled_toml


def doctor(tmp_path, backend_url, env=None):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk_cli",
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
    write_enrolled_toml(tmp_path)
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
    # No id_card_port: one line, and that is fine (social security cards only).
    reader = checks["ID-card reader"]
    assert reader["ok"] and reader["detail"] == "not configured (id_card_port)"
    assert "ID-card SAM" not in checks


def test_doctor_names_bad_configuration_and_a_missing_enrolment(tmp_path, backend):
    """Landed code: min_free_disk_mb = "lots" crashed doctor; a broken identity passed."""
    (tmp_path / "kiosk.toml").write_text(
        'min_free_disk_mb = "lots"\nkiosk_number = "abc"\nsync_intervall_s = 5\n'
    )
    code, checks = doctor(tmp_path, backend.url)
    assert code == 1
    detail = checks["configuration"]["detail"]
    assert 'min_free_disk_mb = "lots"' in detail and "sync_interval_s" in detail
    assert not checks["enrolment"]["ok"] and "kiosk_number" in checks["enrolment"]["detail"]
    assert checks["free disk"]["ok"]  # ran on the default 200 MiB


def test_doctor_comes_back_from_a_card_that_stopped_answering(tmp_path, backend, card_slots):
    """Landed code: doctor blocked for as long as the hung card stayed in the reader."""
    import time

    from drivers.simulated.card_faults import faulty_card

    write_enrolled_toml(tmp_path, "card_read_timeout_s = 2\n")
    card_slots.insert("", "", card=faulty_card(*WANG_YAN, "hang", at_apdu=3))
    wait_for_presence(0, True)
    started = time.monotonic()
    code, checks = doctor(tmp_path, backend.url)
    took = time.monotonic() - started
    assert took < 2 + 2 + 1.5, took  # card_read_timeout_s + 2 s, plus interpreter start
    assert code == 1 and checks["card readable"]["detail"].startswith("card_not_responding")


# -- the ID-card (SAM) reader, issue 12 -------------------------------------------------------


def test_doctor_probes_the_id_card_reader(tmp_path):
    from drivers.errors import SamError
    from drivers.simulated.sam_reader import SamReaderEmulator

    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    backend_url = f"http://127.0.0.1:{free_port()}"
    with SamReaderEmulator(tmp_path / "ttySAM") as emulator:
        write_enrolled_toml(tmp_path, f'id_card_port = "{emulator.port}"\n')
        _, checks = doctor(tmp_path, backend_url, env)
        reader, sam = checks["ID-card reader"], checks["ID-card SAM"]
        assert reader["ok"] and reader["detail"] == f"{emulator.port}: present at 115200 baud"
        sam_id = emulator.sam_id.hex().upper()
        assert sam["ok"] and sam["detail"].startswith("answers its status command; SAM id ***")
        assert sam["detail"].endswith(sam_id[-4:]) and sam_id[:8] not in sam["detail"]

        emulator.profile = "sam-fault"
        code, checks = doctor(tmp_path, backend_url, env)
    assert code == 1 and checks["ID-card reader"]["ok"]
    sam = checks["ID-card SAM"]
    assert not sam["ok"] and sam["detail"] == (
        "sam_error: status 60 to SAM status: SAM self-check failed"
    )
    assert sam["fix"] == SamError.fix


def test_doctor_names_a_missing_id_card_reader_and_its_fix(tmp_path):
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    missing = tmp_path / "ttyUSB9"
    write_enrolled_toml(tmp_path, f'id_card_port = "{missing}"\n')
    code, checks = doctor(tmp_path, f"http://127.0.0.1:{free_port()}", env)
    assert code == 1 and "ID-card SAM" not in checks
    reader = checks["ID-card reader"]
    assert not reader["ok"] and reader["detail"] == f"no SAM reader at {missing}: " + (
        "No such file or directory"
    )
    assert f"check id_card_port = {missing} in kiosk.toml" in reader["fix"]
    assert "plug the ID-card reader in" in reader["fix"]
