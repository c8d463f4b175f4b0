"""`kiosk printer emulate|status|test` as real processes: the emulator on a loopback
port, a kiosk configured for it, a test receipt printed and read back."""

from __future__ import annotations

import signal
import subprocess
import sys

from PIL import Image

from tests.helpers.backend import free_port
from tests.helpers.receipts import decoded_qr_codes
from tests.helpers.waiting import wait_for


def kiosk(*args: str, data_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_emulate_status_and_a_test_receipt(tmp_path):
    port, pages = free_port(), tmp_path / "pages"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "kiosk_cli", "printer", "emulate", "--port", str(port)]
        + ["--save", str(pages)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in emulator.stdout.readline()
        (tmp_path / "kiosk.toml").write_text(
            f'receipt_printer = "escpos"\nescpos_url = "tcp://127.0.0.1:{port}"\n'
            "paper_width_mm = 58\n",
            encoding="utf-8",
        )
        status = kiosk("printer", "status", data_dir=tmp_path)
        assert status.returncode == 0 and "ready" in status.stdout, status.stdout
        printed = kiosk("printer", "test", data_dir=tmp_path)
        assert printed.returncode == 0, printed.stderr
        wait_for(lambda: (pages / "job-2.png").exists(), 10, "the test receipt's page")
        with Image.open(pages / "job-2.png") as page:
            assert page.width == 384
            assert decoded_qr_codes(page) == ["http://127.0.0.1:8765/track/" + "0" * 15]
    finally:
        emulator.send_signal(signal.SIGINT)
        emulator.communicate(timeout=10)
    assert emulator.returncode == 0

    # Switched off: both commands say so and exit 1.
    status = kiosk("printer", "status", data_dir=tmp_path)
    assert status.returncode == 1 and "cannot connect" in status.stdout
    printed = kiosk("printer", "test", data_dir=tmp_path)
    assert printed.returncode == 1 and "fix:" in printed.stderr
