"""Finding and starting pcscd, and waiting for vpcd's reader slots.

pcscd is started with --foreground (no --auto-exit): Debian's unit exits after 60 s idle
and takes the vpcd listeners with it (cards.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
VPCD_PORT = 35963  # reader "Virtual PCD 00 00"


def pcscd_running() -> bool:
    """True when pcscd accepts connections on its socket."""
    if not PCSCD_SOCKET.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(0.5)
        probe.connect(str(PCSCD_SOCKET))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def port_listening(port: int) -> bool:
    """Is a TCP port in LISTEN state? Read from /proc: connecting to a vpcd slot would
    count as inserting a card."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[1].endswith(wanted) and parts[3] == "0A":
                return True
    return False


def start_pcscd(
    timeout_s: float = 10.0, vpcd_port: int | None = VPCD_PORT, extra_args: list[str] = ()
) -> subprocess.Popen:
    """Start `pcscd --foreground` and wait until it (and vpcd's first slot) listens."""
    binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not os.path.exists(binary):
        raise FileNotFoundError("pcscd is not installed (Debian package: pcscd)")
    process = subprocess.Popen(
        [binary, "--foreground", *extra_args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pcscd exited at start with code {process.returncode}")
        if pcscd_running() and (vpcd_port is None or port_listening(vpcd_port)):
            return process
        time.sleep(0.05)
    process.terminate()
    raise TimeoutError("pcscd did not start listening in time")


def stop_pcscd(process: subprocess.Popen, timeout_s: float = 5.0) -> None:
    process.terminate()
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
