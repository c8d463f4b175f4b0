"""The Debian package's figures (issue 16): build time and size (xz, as shipped),
packaging/test-deb's time, and the watchdog's heartbeat as the real kiosk sends it.

    python benchmarks/package.py [--skip-build]     (as root: test-deb uses chroot)

Floors, in the same run: dpkg-deb compressing the same tree alone (what any package of
these files costs), and a bare QTimer in a bare QApplication sending the same datagram at
the same interval (what the heartbeat costs without the kiosk around it).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
WATCHDOG_USEC = 1_000_000  # heartbeats every 0.5 s
BEATS = 40

BARE_HEARTBEAT = """
import os, socket, sys
from PySide6.QtCore import QCoreApplication, Qt, QTimer
app = QCoreApplication(sys.argv)
out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
timer = QTimer()
timer.setTimerType(Qt.TimerType.PreciseTimer)
timer.timeout.connect(lambda: out.sendto(b"WATCHDOG=1", os.environ["NOTIFY_SOCKET"]))
timer.start(int(os.environ["WATCHDOG_USEC"]) // 2000)
out.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
app.exec()
"""


def timed(command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=3600)
    return time.monotonic() - started


def heartbeats(command: list[str], workdir: Path) -> list[float]:
    """Intervals between WATCHDOG=1 datagrams after READY=1."""
    path = workdir / f"notify-{len(list(workdir.iterdir()))}.sock"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NOTIFY_SOCKET": str(path),
        "WATCHDOG_USEC": str(WATCHDOG_USEC),
        "PYTHONPATH": str(REPO),
    }
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(120)
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while b"READY=1" not in sock.recv(4096):
                pass
            arrivals = []
            while len(arrivals) <= BEATS:
                if sock.recv(4096) == b"WATCHDOG=1":
                    arrivals.append(time.monotonic())
        finally:
            process.terminate()
            process.wait(30)
    return [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]


def describe(intervals: list[float]) -> str:
    ms = sorted(1000 * i for i in intervals)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-build", action="store_true", help="use the debs in dist/")
    args = parser.parse_args()
    dist = REPO / "dist"
    deb = dist / f"village-kiosk_{VERSION}_amd64.deb"
    later = dist / f"village-kiosk_{VERSION}.post1_amd64.deb"
    build = REPO / "packaging" / "build-deb"
    if not args.skip_build:
        print(f"build-deb (xz): {timed([str(build)]):.0f} s")
        quick = timed([str(build), "--gzip", "--version", f"{VERSION}.post1"])
        print(f"build-deb --gzip: {quick:.0f} s")
    sizes = deb.stat().st_size / 2**20, later.stat().st_size / 2**20
    print(f"package size: {sizes[0]:.1f} MiB (xz); {sizes[1]:.1f} MiB (gzip -1)")
    installed = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Installed-Size"], capture_output=True, text=True, check=True
    )
    print(f"installed size: {int(installed.stdout) / 1024:.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["dpkg-deb", "-R", str(deb), str(tree)], check=True)
        floor = timed(
            [
                "dpkg-deb",
                "--root-owner-group",
                "-Zxz",
                "--threads-max",
                str(os.cpu_count()),
                "--build",
                str(tree),
                str(Path(tmp) / "floor.deb"),
            ]
        )
        print(f"floor: dpkg-deb -Zxz of the same tree alone: {floor:.0f} s")
    test_deb = [
        str(REPO / "packaging" / "test-deb"),
        "--previous",
        str(deb),
        "--current",
        str(later),
    ]
    print(f"test-deb (install, upgrade, remove, purge; root cached): {timed(test_deb):.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = [
            sys.executable,
            "-m",
            "kiosk_cli",
            "--data-dir",
            str(Path(tmp) / "data"),
            "run",
            "--backend-url",
            "http://127.0.0.1:9",
        ]
        print(f"heartbeat, target {WATCHDOG_USEC / 2000:.0f} ms, {BEATS} beats")
        print(f"  kiosk run (offscreen): {describe(heartbeats(kiosk, Path(tmp)))}")
        bare = [sys.executable, "-c", BARE_HEARTBEAT]
        print(f"  floor, a bare QTimer: {describe(heartbeats(bare, Path(tmp)))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
