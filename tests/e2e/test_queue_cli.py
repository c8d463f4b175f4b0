"""`kiosk queue status` and `kiosk sync --once` as staff and maintainers run them."""

import datetime as dt
import json
import subprocess
import sys
import uuid

from kiosk.config import KioskConfig
from kiosk.outbox import open_queue
from kiosk.tracking import tracking_number_maker
from tests.helpers.backend import free_port
from tests.helpers.enrolment import write_enrolled_toml


def kiosk(data_dir, *args):
    return subprocess.run(
        [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def fill(data_dir, count):
    write_enrolled_toml(data_dir)
    queue = open_queue(KioskConfig.load(data_dir))
    for _ in range(count):
        queue.enqueue(
            idempotency_key=str(uuid.uuid4()),
            service_id="pension",
            created_at=dt.datetime.now(dt.UTC),
            payload={"applicant": {"name": "王䶮"}},
            make_tracking_number=tracking_number_maker("0001"),
        )
    queue.store.close()


def status(data_dir):
    result = kiosk(data_dir, "queue", "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sync_once_reports_failure_then_success(tmp_path, backend):
    fill(tmp_path, 3)
    assert status(tmp_path)["pending"] == 3
    down = kiosk(tmp_path, "sync", "--once", "--backend-url", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 1 and "still unsent 3" in down.stdout
    assert status(tmp_path)["failed"] == 3, status(tmp_path)
    up = kiosk(tmp_path, "sync", "--once", "--backend-url", backend.url)
    assert up.returncode == 0 and "sent 3" in up.stdout
    after = status(tmp_path)
    assert (after["sent"], after["failed"]) == (3, 0) and after["last_acknowledged_at"]
    assert len(backend.rows()) == 3


def test_a_lost_key_is_loud_and_its_rows_come_back_with_the_backup(tmp_path, backend):
    """Landed code: rm queue.key; queue status minted a new key, every unsent row became
    unreadable quarantine, sync said "quarantined 0" and doctor said all OK."""
    fill(tmp_path, 3)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("village kiosk 2026 backup\n")
    backup = tmp_path / "queue-key.backup"
    made = kiosk(tmp_path, "keys", "backup", str(backup), "--passphrase-file", str(passphrase))
    assert made.returncode == 0, made.stderr
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    (tmp_path / "queue.key").unlink()

    lost = kiosk(tmp_path, "queue", "status", "--json")
    assert lost.returncode == 1 and "kiosk keys restore" in lost.stderr
    assert json.loads(lost.stdout)["pending"] == 3
    assert not (tmp_path / "queue.key").exists()  # no new key over the waiting rows
    refused = kiosk(tmp_path, "sync", "--once", "--backend-url", backend.url)
    assert refused.returncode == 1 and "missing" in refused.stderr
    doctor = kiosk(tmp_path, "doctor", "--json", "--backend-url", backend.url)
    checks = {check["name"]: check for check in json.loads(doctor.stdout)}
    assert doctor.returncode == 1 and not checks["queue key"]["ok"]
    assert "kiosk keys restore" in checks["queue key"]["fix"]

    wrong = tmp_path / "wrong.backup"
    other = tmp_path / "other"
    fill(other, 1)
    kiosk(other, "keys", "backup", str(wrong), "--passphrase-file", str(passphrase))
    mismatch = kiosk(tmp_path, "keys", "restore", str(wrong), "--passphrase-file", str(passphrase))
    assert mismatch.returncode == 1 and "Nothing changed" in mismatch.stderr

    restored = kiosk(tmp_path, "keys", "restore", str(backup), "--passphrase-file", str(passphrase))
    assert restored.returncode == 0, restored.stderr
    up = kiosk(tmp_path, "sync", "--once", "--backend-url", backend.url)
    assert up.returncode == 0 and "sent 3" in up.stdout
    assert len(backend.rows()) == 3


def test_a_read_only_data_directory_is_one_clear_message(tmp_path):
    target = tmp_path / "ro"
    target.mkdir()
    subprocess.run(["mount", "--bind", str(target), str(target)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], check=True)
        for args in (("queue", "status"), ("sync", "--once"), ("services", "list")):
            result = kiosk(target, *args)
            assert result.returncode in (1, 4), (args, result.stderr)
            assert "Traceback" not in result.stderr, args
            if result.returncode == 4:
                assert "read-only" in result.stderr and "Fix:" in result.stderr
    finally:
        subprocess.run(["umount", str(target)], check=False)


def test_set_pin_needs_the_current_pin_unless_root(tmp_path, monkeypatch, capsys):
    import io

    from kiosk_cli.main import main

    write_enrolled_toml(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n"))
    assert main(["--data-dir", str(tmp_path), "staff", "set-pin", "--stdin"]) == 0  # root
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    monkeypatch.setattr("sys.stdin", io.StringIO("000000\n246810\n"))
    assert main(["--data-dir", str(tmp_path), "staff", "set-pin", "--stdin"]) == 1
    assert "current PIN is wrong" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n2468\n"))
    assert main(["--data-dir", str(tmp_path), "staff", "set-pin", "--stdin"]) == 1
    assert "6 to 8 digits" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n246810\n"))
    assert main(["--data-dir", str(tmp_path), "staff", "set-pin", "--stdin"]) == 0


def test_restoring_the_wrong_backup_on_a_healthy_kiosk_destroys_nothing(tmp_path):
    """Review finding: `keys restore` only refused when the key was already lost; on a
    healthy kiosk it overwrote the only right key with a neighbour's."""
    fill(tmp_path, 2)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("village kiosk 2026 backup\n")
    other = tmp_path / "other"
    fill(other, 1)
    neighbour = tmp_path / "neighbour.backup"
    kiosk(other, "keys", "backup", str(neighbour), "--passphrase-file", str(passphrase))
    original = (tmp_path / "queue.key").read_bytes()
    refused = kiosk(
        tmp_path, "keys", "restore", str(neighbour), "--passphrase-file", str(passphrase)
    )
    assert refused.returncode == 1 and "Nothing changed" in refused.stderr
    assert (tmp_path / "queue.key").read_bytes() == original
    wrong_backup = kiosk(
        other, "keys", "backup", str(tmp_path / "x"), "--passphrase-file", str(passphrase)
    )
    assert wrong_backup.returncode == 0  # its own key: fine
