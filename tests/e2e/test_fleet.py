"""Many kiosks, store resets, wiped data directories: a tracking number is never given
twice, and the backend binds each number to the kiosk it belongs to. Real CLI processes
(`kiosk simulate`), real stores, the real backend."""

import json
import shutil
import subprocess
import sys
import uuid

import requests

from tests.helpers.backend import BackendProcess

KIOSKS = {
    "kiosk-a": ("0101", "token-a-0123456789abcdef"),
    "kiosk-b": ("0102", "token-b-0123456789abcdef"),
}


def fleet_backend(tmp_path) -> BackendProcess:
    specs = []
    for kiosk_id, (number, token) in KIOSKS.items():
        specs += ["--kiosk", f"{kiosk_id}:{number}:{token}"]
    server = BackendProcess(tmp_path / "backend.db", None, *specs)
    server.start()
    return server


def enrol(data_dir, kiosk_id, backend_url):
    number, token = KIOSKS[kiosk_id]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "kiosk.toml").write_text(
        f'kiosk_id = "{kiosk_id}"\nkiosk_number = "{number}"\nbackend_token = "{token}"\n'
        f'backend_url = "{backend_url}"\nsync_interval_s = 2\n'
    )


def simulate(data_dir, sessions, *extra):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk_cli",
            "--data-dir",
            str(data_dir),
            "simulate",
            "--sessions",
            str(sessions),
            "--services",
            "pension_certification,hotline_12345,residence_certificate",
            "--drain-s",
            "20",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_two_kiosks_resets_and_a_wiped_directory_never_repeat_a_number(tmp_path):
    server = fleet_backend(tmp_path)
    try:
        a, b = tmp_path / "a", tmp_path / "b"
        enrol(a, "kiosk-a", server.url)
        enrol(b, "kiosk-b", server.url)
        given = []
        for data_dir in (a, b, a):
            given += simulate(data_dir, 8, "--seed", "7")["tracking_numbers"]
        # A store reset (a maintainer deletes kiosk.db): the epoch ledger outlives it.
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            (a / name).unlink(missing_ok=True)
        given += simulate(a, 8, "--seed", "7")["tracking_numbers"]
        # The whole data directory lost (a new disk): only the backend remembers.
        shutil.rmtree(a)
        enrol(a, "kiosk-a", server.url)
        given += simulate(a, 8, "--seed", "7")["tracking_numbers"]

        assert len(given) == len(set(given)) >= 40  # never the same number twice
        stored = server.rows()
        assert sorted(row[1] for row in stored) == sorted(given)  # all delivered, once
        for row in stored:
            kiosk_id = json.loads(row[2])["kiosk_id"]
            assert row[1][:4] == KIOSKS[kiosk_id][0]
        epochs_a = sorted({n[4:7] for n in given if n.startswith("0101")})
        assert epochs_a == ["001", "002", "003"]
    finally:
        server.stop()


def test_the_backend_refuses_a_number_from_another_kiosks_space(tmp_path):
    server = fleet_backend(tmp_path)
    try:
        from kiosk.tracking import tracking_number_maker

        in_a_space = tracking_number_maker("0101")(1, 1)
        body = {
            "idempotency_key": str(uuid.uuid4()),
            "kiosk_id": "kiosk-b",
            "service_id": "pension_certification",
            "tracking_number": in_a_space,
            "created_at": "2026-11-21T10:00:00+08:00",
            "payload": {},
        }
        answer = requests.post(
            server.url + "/api/v1/submissions/batch",
            json={"submissions": [body]},
            headers={"Authorization": f"Bearer {KIOSKS['kiosk-b'][1]}"},
            timeout=10,
        ).json()["results"][0]
        assert answer["status"] == 403
        assert server.rows() == []
    finally:
        server.stop()


def test_training_sessions_are_marked_and_kept_apart(tmp_path):
    server = fleet_backend(tmp_path)
    try:
        a = tmp_path / "a"
        enrol(a, "kiosk-a", server.url)
        summary = simulate(a, 4, "--training", "--seed", "3")
        assert summary["training"] is True and summary["tracking_numbers"]
        number = summary["tracking_numbers"][0]
        status = requests.get(
            f"{server.url}/api/v1/submissions/{number}",
            headers={"Authorization": f"Bearer {KIOSKS['kiosk-a'][1]}"},
            timeout=10,
        ).json()
        assert status["training"] is True
        assert server.rows() == []  # no real submission among them
    finally:
        server.stop()
