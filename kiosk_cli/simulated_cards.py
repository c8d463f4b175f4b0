"""`kiosk card insert/remove`: a simulated card held by a detached process per reader slot.

The card stays inserted after the command returns, like a real card in a real reader,
until `kiosk card remove` ends that process (closing the vpcd socket = removal). It lives
with the CLI because the holder process is the CLI itself (`kiosk card hold`); in kiosk/ it
was an arrow from the core up to the command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/village-kiosk-{os.getuid()}"
    path = Path(base) / "village-kiosk"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def pid_file(reader: int) -> Path:
    return runtime_dir() / f"simulated-card-{reader}.pid"


def insert(
    name: str,
    id_number: str,
    reader: int,
    profile: str = "normal",
    delay_ms: float = 0,
    at_apdu: int = 3,
    timeout_s: float = 5.0,
) -> int:
    """Start the card holder process; returns its pid once the card is inserted."""
    remove(reader)
    ready = pid_file(reader)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk_cli",
            "card",
            "hold",
            "--name",
            name,
            "--id",
            id_number,
            "--reader",
            str(reader),
            "--profile",
            profile,
            "--delay-ms",
            str(delay_ms),
            "--at-apdu",
            str(at_apdu),
        ],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready.exists() and ready.read_text().strip() == str(process.pid):
            return process.pid
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
            raise RuntimeError(error.splitlines()[-1] if error else "card process exited")
        time.sleep(0.02)
    process.kill()
    raise TimeoutError("the simulated card did not connect to vpcd in time")


def hold(
    name: str, id_number: str, reader: int, profile: str, delay_ms: float, at_apdu: int
) -> None:
    """Body of the holder process: insert, announce, wait until removed or vpcd closes."""
    from drivers.simulated.faults import faulty_card
    from drivers.simulated.vpcd_link import VpcdLink

    link = VpcdLink(faulty_card(name, id_number, profile, delay_ms, at_apdu), reader)
    link.insert()
    signal.signal(signal.SIGTERM, lambda *_: (link.remove(), sys.exit(0)))
    pid_file(reader).write_text(str(os.getpid()))
    try:
        link.wait()
    finally:
        with contextlib.suppress(FileNotFoundError):
            if pid_file(reader).read_text().strip() == str(os.getpid()):
                pid_file(reader).unlink()


def remove(reader: int | None = None) -> list[int]:
    """Remove the simulated card from one reader, or from all; returns the readers emptied."""
    readers = [reader] if reader is not None else [0, 1]
    emptied = []
    for index in readers:
        path = pid_file(index)
        try:
            pid = int(path.read_text().strip())
        except (FileNotFoundError, ValueError):
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.02)
            emptied.append(index)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return emptied
