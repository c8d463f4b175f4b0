"""Issue 16: the systemd watchdog. The real `kiosk run` (offscreen) is started as systemd
would start it, with `NOTIFY_SOCKET` naming a datagram socket this test owns and
`WATCHDOG_USEC` set: it says READY=1 once the attract screen is up, then WATCHDOG=1 at half
the timeout from the GUI thread. When the GUI thread freezes (ui/freeze_drill.py: blocked
in a slot while the other threads run on), the heartbeats stop, so systemd would kill it;
killed as systemd's watchdog does (SIGABRT) and started again, they resume."""

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

WATCHDOG_USEC = 400_000  # heartbeats every 0.2 s
HEARTBEAT_S = WATCHDOG_USEC / 2e6


def start_kiosk(tmp_path: Path, notify_socket: Path, log_name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NOTIFY_SOCKET": str(notify_socket),
        "WATCHDOG_USEC": str(WATCHDOG_USEC),
        "KIOSK_FREEZE_DRILL": "1",
    }
    command = [sys.executable, "-X", "faulthandler", "-m", "kiosk_cli"]
    command += ["--data-dir", str(tmp_path / "data"), "run", "--backend-url", "http://127.0.0.1:9"]
    with (tmp_path / log_name).open("wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def next_message(sock: socket.socket, timeout_s: float) -> str | None:
    sock.settimeout(timeout_s)
    try:
        return sock.recv(4096).decode()
    except TimeoutError:
        return None


def wait_for_message(sock: socket.socket, wanted: str, timeout_s: float) -> float:
    """The monotonic time `wanted` arrived (other messages before it are skipped)."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        message = next_message(sock, left)
        if message is not None and wanted in message.splitlines():
            return time.monotonic()
    raise TimeoutError(f"no {wanted} within {timeout_s} s")


def heartbeat_intervals(sock: socket.socket, count: int) -> list[float]:
    arrivals = [wait_for_message(sock, "WATCHDOG=1", 10 * HEARTBEAT_S + 5) for _ in range(count)]
    return [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]


def stop(kiosk: subprocess.Popen, signum: int) -> int:
    if kiosk.poll() is None:
        kiosk.send_signal(signum)
    try:
        return kiosk.wait(30)
    except subprocess.TimeoutExpired:
        kiosk.kill()
        return kiosk.wait()


def test_heartbeats_stop_when_the_gui_thread_freezes_and_resume_after_a_restart(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    kiosk = start_kiosk(tmp_path, path, "first.log")
    try:
        wait_for_message(sock, "READY=1", 120)
        intervals = heartbeat_intervals(sock, 6)
        # Heartbeats at half of WATCHDOG_USEC (a loaded machine may delay one, never all).
        assert HEARTBEAT_S * 0.8 <= statistics.median(intervals) <= HEARTBEAT_S * 2.5, intervals
        print(f"heartbeat intervals (s): {[round(i, 3) for i in intervals]}")

        kiosk.send_signal(signal.SIGUSR1)  # the GUI thread blocks in a slot
        frozen_at = time.monotonic()
        # At most one heartbeat already on its way, then silence for 10 intervals: a
        # running kiosk sent five in that time above.
        while (message := next_message(sock, 10 * HEARTBEAT_S)) is not None:
            assert time.monotonic() - frozen_at < 1.0, f"still beating while frozen: {message}"
        assert kiosk.poll() is None, "the frozen kiosk should live on until systemd kills it"

        # systemd's WatchdogSignal (SIGABRT): faulthandler prints where each thread was.
        assert stop(kiosk, signal.SIGABRT) == -signal.SIGABRT
        dump = (tmp_path / "first.log").read_text(errors="replace")
        assert "freeze drill: the GUI thread (MainThread) blocks now" in dump
        assert "freeze_drill.py" in dump.split("Fatal Python error: Aborted")[-1]

        kiosk = start_kiosk(tmp_path, path, "second.log")  # Restart=always
        wait_for_message(sock, "READY=1", 120)
        assert len(heartbeat_intervals(sock, 3)) == 2
        assert stop(kiosk, signal.SIGTERM) == 0  # systemctl stop
        wait_for_message(sock, "STOPPING=1", 5)
    finally:
        stop(kiosk, signal.SIGKILL)
        sock.close()
