"""`kiosk queue status` and `kiosk sync --once` as staff and maintainers run them."""

import datetime as dt
import json
import subprocess
import sys
import uuid

from kiosk.config import KioskConfig
from offline_cache import PayloadSealer, SubmissionQueue, open_database
from tests.helpers.backend import free_port


def kiosk(data_dir, *args):
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def fill(data_dir, count):
    config = KioskConfig.load(data_dir)
    queue = SubmissionQueue(
        open_database(config.store_path), PayloadSealer.from_key_file(config.key_path)
    )
    for _ in range(count):
        queue.enqueue(
            idempotency_key=str(uuid.uuid4()),
            service_id="pension",
            created_at=dt.datetime.now(dt.UTC),
            payload={"applicant": {"name": "王䶮"}},
            make_tracking_number=lambda day, seq: f"0001{day:%y%m%d}{seq:04d}0",
        )


def status(data_dir):
    result = kiosk(data_dir, "queue", "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sync_once_reports_failure_then_success(tmp_path, backend):
    fill(tmp_path, 3)
    assert status(tmp_path)["pending"] == 3
    down = kiosk(tmp_path, "sync", "--once", "--backend-url", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 1 and "still unsent 3" in down.stdout
    assert status(tmp_path)["failed"] == 3
    up = kiosk(tmp_path, "sync", "--once", "--backend-url", backend.url)
    assert up.returncode == 0 and "sent 3" in up.stdout
    after = status(tmp_path)
    assert (after["sent"], after["failed"]) == (3, 0) and after["last_acknowledged_at"]
    assert len(backend.rows()) == 3
