"""The emulated SAM reader held by a detached process, for `kiosk card insert --kind ...`.

The holder process owns the pty, so the reader stays plugged in after the command that
started it returns, like a real reader on its USB cable. What lies on it is said by a
small JSON control file beside it (0600, in the caller's runtime directory): the card (or
none), the fault profile, plugged or not, and a placement number that grows with every
`place_card` (a new number is a new placement: the card lifted and laid down again).
The holder re-reads the file when it changes (every 20 ms at most).

    python -m drivers.simulated.sam_holder --link PATH --control FILE

In-process, use `SamReaderEmulator` (drivers/simulated/sam_reader.py) directly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from drivers.simulated.detached import start_detached, stop_detached
from drivers.simulated.sam_card import SamCard
from drivers.simulated.sam_reader import PROFILES, SamReaderEmulator

POLL_S = 0.02


@dataclass
class HolderControl:
    plugged: bool = True
    profile: str = "normal"
    card: SamCard | None = None
    placement: int = 0


def pid_path(control_path: str | os.PathLike[str]) -> Path:
    return Path(control_path).with_suffix(".pid")


def read_control(control_path: str | os.PathLike[str]) -> HolderControl:
    try:
        data = json.loads(Path(control_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return HolderControl()
    card = data.get("card")
    return HolderControl(
        plugged=bool(data.get("plugged", True)),
        profile=str(data.get("profile", "normal")),
        card=SamCard.from_json(card) if card else None,
        placement=int(data.get("placement", 0)),
    )


def write_control(control_path: str | os.PathLike[str], control: HolderControl) -> None:
    """Atomically (temp file, rename), 0600: the simulated card's data is still a name."""
    if control.profile not in PROFILES:
        raise ValueError(f"unknown SAM reader profile {control.profile!r}; one of {PROFILES}")
    path = Path(control_path)
    data = {
        "plugged": control.plugged,
        "profile": control.profile,
        "card": control.card.to_json() if control.card else None,
        "placement": control.placement,
    }
    # A temporary file of its own per write (mkstemp: 0600): two writers at once, even
    # threads of one process, never write into each other's file.
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def place_card(
    control_path: str | os.PathLike[str], card: SamCard, profile: str | None = None
) -> None:
    """Lay `card` on the reader (a new placement), optionally with a fault profile."""
    card.text_block()  # a card that cannot exist is refused here, with its reason
    control = read_control(control_path)
    control.card = card
    control.placement += 1
    if profile is not None:
        control.profile = profile
    write_control(control_path, control)


def lift_card(control_path: str | os.PathLike[str]) -> None:
    control = read_control(control_path)
    control.card = None
    write_control(control_path, control)


def set_plugged(control_path: str | os.PathLike[str], plugged: bool) -> None:
    control = read_control(control_path)
    control.plugged = plugged
    write_control(control_path, control)


def set_profile(control_path: str | os.PathLike[str], profile: str) -> None:
    control = read_control(control_path)
    control.profile = profile
    write_control(control_path, control)


def hold(
    link_path: str | os.PathLike[str],
    control_path: str | os.PathLike[str],
    poll_s: float = POLL_S,
) -> None:
    """Body of the holder process: serve the reader until SIGTERM (or SIGINT)."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    emulator = SamReaderEmulator(link_path)
    applied: HolderControl | None = None
    seen: tuple[int, int, int] | None = None
    pid_file = pid_path(control_path)
    try:
        while not stopping.is_set():
            try:
                stat = os.stat(control_path)
                stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:
                stamp = (0, 0, 0)
            if stamp != seen:
                seen = stamp
                try:
                    applied = _apply(emulator, read_control(control_path), applied)
                except (ValueError, TypeError, KeyError, AttributeError) as error:
                    # A damaged control file must not unplug the reader: keep the last
                    # good state and say why on stderr (the holder's log).
                    print(f"sam_holder: control file ignored: {error!r}", file=sys.stderr)
                if not pid_file.exists():
                    pid_file.write_text(str(os.getpid()))  # ready: the reader is set up
            stopping.wait(poll_s)
    finally:
        emulator.unplug()
        with contextlib.suppress(FileNotFoundError, ValueError):
            if int(pid_file.read_text().strip()) == os.getpid():
                pid_file.unlink()


def _apply(
    emulator: SamReaderEmulator, control: HolderControl, applied: HolderControl | None
) -> HolderControl:
    if control.profile != emulator.profile:
        emulator.profile = control.profile
    if control.card is None:
        if emulator.card is not None:
            emulator.lift()
    elif applied is None or control.placement != applied.placement:
        emulator.place(control.card)
    if control.plugged and not emulator.plugged:
        emulator.start()
    elif not control.plugged and emulator.plugged:
        emulator.unplug()
    return control


def start_holder(
    link_path: str | os.PathLike[str],
    control_path: str | os.PathLike[str],
    timeout_s: float = 5.0,
) -> int:
    """Start a detached holder process (ended first if one runs); its pid once ready."""
    stop_holder(control_path)
    if not Path(control_path).exists():
        write_control(control_path, HolderControl())
    ready = pid_path(control_path)

    def is_ready(pid: int) -> bool:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(ready.read_text().strip()) == pid
        return False

    argv = [sys.executable, "-m", "drivers.simulated.sam_holder"]
    argv += ["--link", str(link_path), "--control", str(control_path)]
    log_path = Path(control_path).with_suffix(".log")
    return start_detached(argv, is_ready, log_path, timeout_s, "the emulated SAM reader")


def stop_holder(control_path: str | os.PathLike[str], timeout_s: float = 2.0) -> bool:
    """End the holder (the reader is unplugged); True if one was running. Done when the
    holder has removed its pid file (after unplugging its reader) or has ended."""
    path = pid_path(control_path)
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    stopped = stop_detached(pid, lambda: not path.exists(), timeout_s)
    path.unlink(missing_ok=True)
    return stopped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Hold an emulated SAM ID-card reader on a pty.")
    parser.add_argument("--link", required=True, help="stable path of the reader's port")
    parser.add_argument("--control", required=True, help="JSON control file")
    args = parser.parse_args(argv)
    hold(args.link, args.control)


if __name__ == "__main__":
    main()
