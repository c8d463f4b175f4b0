"""SIGKILL a syncing kiosk at every step of the protocol and at random moments; after a
restart and a sync, the backend holds every confirmed submission exactly once
(offline-sync.md, 2 and 3). Real processes, real SQLite files, the real backend."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.helpers.backend import BackendProcess
from tests.helpers.waiting import wait_for

KIOSK = [sys.executable, "-m", "tests.helpers.crash_kiosk"]


def run_kiosk(data_dir, url, submissions, crash_at=None, rounds=1):
    env = {**os.environ}
    env.pop("KIOSK_CRASH_AT", None)
    if crash_at:
        env["KIOSK_CRASH_AT"] = crash_at
    return subprocess.run(
        [*KIOSK, str(data_dir), url, str(submissions), str(rounds)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def receipts(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.startswith("receipt ")]


def kiosk_state(data_dir) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk_cli",
            "--data-dir",
            str(data_dir),
            "queue",
            "status",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def stored_in_kiosk(data_dir) -> set[str]:
    """Tracking numbers of every submission the kiosk committed (read-only)."""
    path = data_dir / "kiosk.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {
            row[0]
            for row in conn.execute(
                "SELECT tracking_number FROM submissions WHERE service_id != 'usage_events'"
            )
        }


def assert_exactly_once(backend, confirmed, data_dir):
    rows = backend.rows()
    numbers = [row[1] for row in rows]
    keys = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers)) and len(keys) == len(set(keys)), "duplicates"
    assert set(confirmed) <= set(numbers), "a submission confirmed on screen was lost"
    assert stored_in_kiosk(data_dir) == set(numbers), "a committed submission was lost"
    state = kiosk_state(data_dir)
    assert state["sent"] == len(numbers) and state["pending"] + state["in_flight"] == 0
    assert state["failed"] == 0 and state["quarantined"] == 0


@pytest.mark.parametrize("step", ["after_enqueue", "after_mark_in_flight", "after_answer"])
def test_kill_at_a_protocol_step_then_restart(backend, tmp_path, step):
    crashed = run_kiosk(tmp_path, backend.url, 3, crash_at=step)
    assert crashed.returncode == -signal.SIGKILL
    confirmed = receipts(crashed.stdout)
    # after_enqueue: the first row is committed but its receipt was never shown; the other
    # steps die in the sync that follows the first receipt.
    assert len(confirmed) == (0 if step == "after_enqueue" else 1)
    committed = stored_in_kiosk(tmp_path)
    restarted = run_kiosk(tmp_path, backend.url, 2)
    assert restarted.returncode == 0, restarted.stderr
    assert_exactly_once(backend, confirmed + receipts(restarted.stdout), tmp_path)
    assert len(backend.rows()) == len(committed) + 2


def test_kill_after_the_request_is_sent_before_the_answer(tmp_path):
    slow = BackendProcess(tmp_path / "backend.db", None, "--answer-delay-ms", "3000")
    slow.start()
    try:
        process = subprocess.Popen(
            [*KIOSK, str(tmp_path / "kiosk"), slow.url, "3"],
            stdout=subprocess.PIPE,
            text=True,
        )
        # The backend stored the first row; its answer is held for 3 s.
        wait_for(lambda: slow.rows() or process.poll() is not None, 30, "the first row")
        assert process.poll() is None
        process.send_signal(signal.SIGKILL)
        output, _ = process.communicate(timeout=10)
        assert receipts(output) and "synced" not in output
        assert kiosk_state(tmp_path / "kiosk")["in_flight"] == 1
    finally:
        slow.stop()
    quick = BackendProcess(tmp_path / "backend.db", slow.port)
    quick.start()
    try:
        restarted = run_kiosk(tmp_path / "kiosk", quick.url, 0)
        assert "synced 1 0" in restarted.stdout  # the replay is acknowledged, not stored again
        assert_exactly_once(quick, receipts(output), tmp_path / "kiosk")
        assert len(quick.rows()) == 1
    finally:
        quick.stop()


def start_kiosk(data_dir, url, submissions):
    process = subprocess.Popen(
        [*KIOSK, str(data_dir), url, str(submissions), "1"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ready"  # start-up done: the work begins
    return process


def test_fifty_kills_at_random_moments(tmp_path):
    backend = BackendProcess(tmp_path / "backend.db", None, "--answer-delay-ms", "40")
    backend.start()
    rng = random.Random(20261121)
    data_dir = tmp_path / "kiosk"
    confirmed: list[str] = []
    kills = 0
    try:
        calibration = start_kiosk(data_dir, backend.url, 4)
        began = time.monotonic()
        confirmed += receipts(calibration.communicate(timeout=60)[0])
        work_s = time.monotonic() - began
        for _ in range(60):
            process = start_kiosk(data_dir, backend.url, 4)
            # The kill moment, drawn at random within the work; a run that ends first is
            # simply not killed.
            try:
                process.wait(timeout=rng.uniform(0, work_s))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                kills += 1
            output, _ = process.communicate(timeout=30)
            confirmed += receipts(output)
        final = run_kiosk(data_dir, backend.url, 0, rounds=2)
        assert final.returncode == 0, final.stderr
        assert kills >= 50, f"only {kills} of the runs were killed"
        assert_exactly_once(backend, confirmed, data_dir)
        print(f"{kills} kills, {len(confirmed)} receipts, {len(backend.rows())} at the backend")
    finally:
        backend.stop()
