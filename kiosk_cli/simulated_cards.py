"""`kiosk card insert/remove`: a simulated card held by a detached process per reader slot.

The card stays inserted after the command returns, like a real card in a real reader,
until `kiosk card remove` ends that process (closing the vpcd socket = removal). It lives
with the CLI because the holder process is the CLI itself (`kiosk card hold`); in kiosk/ it
was an arrow from the core up to the command.

The ID-card family (`--kind resident-id|hkmt|foreign`) goes on an emulated SAM reader
instead: one holder process (drivers/simulated/sam_holder.py) owns its pseudo-terminal,
reached through the stable link `<runtime_dir>/sam-reader` (what `id_card_port` names),
and takes cards through its control file `<runtime_dir>/sam-reader.json`. The reader stays
plugged in between cards, as a real one on its USB cable does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.simulated.detached import process_alive, start_detached, stop_detached

if TYPE_CHECKING:
    from drivers.simulated.sam_card import SamCard

ID_READER_LINK = "sam-reader"
ID_READER_CONTROL = "sam-reader.json"
# Profiles under which the emulated reader still answers find-card with "found", so an
# insert can wait until the holder has laid the card down (it re-reads its control file
# every 20 ms, with no acknowledgement of its own).
_FINDS_A_CARD = ("normal", "slow", "bad-checksum", "truncated", "unknown-status", "silent-read")


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

    def is_ready(pid: int) -> bool:
        return ready.exists() and ready.read_text().strip() == str(pid)

    argv = [sys.executable, "-m", "kiosk_cli", "card", "hold", "--name", name, "--id", id_number]
    argv += ["--reader", str(reader), "--profile", profile]
    argv += ["--delay-ms", str(delay_ms), "--at-apdu", str(at_apdu)]
    log_path = runtime_dir() / f"simulated-card-{reader}.log"
    return start_detached(argv, is_ready, log_path, timeout_s, "the simulated card")


def hold(
    name: str, id_number: str, reader: int, profile: str, delay_ms: float, at_apdu: int
) -> None:
    """Body of the holder process: insert, announce, wait until removed or vpcd closes."""
    from drivers.simulated.card_faults import faulty_card
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
        if stop_detached(pid, lambda: False):
            emptied.append(index)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return emptied


# -- the simulated SAM ID-card reader (issue 12) ---------------------------------------------


def id_reader_paths() -> tuple[Path, Path]:
    """(the reader's port, its holder's control file): the port is what id_card_port names."""
    directory = runtime_dir()
    return directory / ID_READER_LINK, directory / ID_READER_CONTROL


def simulated_id_reader() -> Path | None:
    """The simulated ID-card reader's port when one is plugged in (its pty is alive)."""
    link, _ = id_reader_paths()
    return link if link.exists() else None


def id_reader_running() -> bool:
    from drivers.simulated import sam_holder

    _, control = id_reader_paths()
    try:
        pid = int(sam_holder.pid_path(control).read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    return process_alive(pid)


def start_id_reader(timeout_s: float = 5.0) -> tuple[Path, Path]:
    """The simulated ID-card reader plugged in and empty (started if need be): (its port,
    its control file)."""
    from drivers.simulated import sam_holder

    link, control = id_reader_paths()
    if id_reader_running():
        sam_holder.lift_card(control)
        sam_holder.set_plugged(control, True)
        return link, control
    sam_holder.pid_path(control).unlink(missing_ok=True)
    sam_holder.write_control(control, sam_holder.HolderControl())
    sam_holder.start_holder(link, control, timeout_s)
    return link, control


def place_id_card(card: SamCard, profile: str = "normal", timeout_s: float = 5.0) -> Path:
    """Lay `card` on the simulated ID-card reader (started and plugged in if need be);
    returns the reader's port once the card lies there."""
    from drivers.simulated import sam_holder

    link, control = id_reader_paths()
    if not id_reader_running():
        # A fresh holder applies the control file before it says it is ready. A pid file
        # left by one that was killed would only make start_holder wait for it to end.
        sam_holder.pid_path(control).unlink(missing_ok=True)
        sam_holder.write_control(control, sam_holder.HolderControl())
        sam_holder.place_card(control, card, profile)
        sam_holder.start_holder(link, control, timeout_s)
        return link
    if not sam_holder.read_control(control).plugged:
        sam_holder.set_plugged(control, True)
    sam_holder.place_card(control, card, profile)
    _settle(link, card_expected=True if profile in _FINDS_A_CARD else None, timeout_s=timeout_s)
    return link


def lift_id_card(unplug: bool = False, timeout_s: float = 5.0) -> str:
    """Lift the card from the simulated ID-card reader, which stays plugged in; with
    `unplug`, end its holder (the reader is gone). Says what it did: "lifted", "no card",
    "unplugged" or "no reader" (none was running)."""
    from drivers.simulated import sam_holder

    link, control = id_reader_paths()
    if not id_reader_running():
        return "no reader"
    if unplug:
        stop_id_reader(control)
        control.unlink(missing_ok=True)  # the next insert starts from an empty reader
        return "unplugged"
    before = sam_holder.read_control(control)
    if before.card is None:
        return "no card"
    sam_holder.lift_card(control)
    expected = False if before.profile in _FINDS_A_CARD else None
    _settle(link, card_expected=expected, timeout_s=timeout_s)
    return "lifted"


def stop_id_reader(control: Path | None = None, timeout_s: float = 2.0) -> bool:
    """End the simulated ID-card reader's holder; True if one was running.

    Done is when the holder has deleted its pid file (after unplugging its reader), not
    when its process is gone: it is no child of ours, and a zombie lasts until init
    reaps it, which some container inits never do.
    """
    from drivers.simulated import sam_holder

    if control is None:
        _, control = id_reader_paths()
    return sam_holder.stop_holder(control, timeout_s)


def _settle(link: Path, card_expected: bool | None, timeout_s: float) -> None:
    """Wait until the holder has applied its control file: find-card on the port says
    `card_expected`. When the profile hides the card (None), or the port is held by a
    running kiosk (which polls it anyway), a few of the holder's polls are waited out."""
    from drivers.errors import CardError, NoReader, ReaderBusy
    from drivers.sam.port import SamPort
    from drivers.sam.protocol import find_card
    from drivers.simulated.sam_holder import POLL_S

    if card_expected is None:
        time.sleep(5 * POLL_S)
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        port = SamPort(str(link))
        try:
            port.open()
            if find_card(port, 0.5) == card_expected:
                return
        except ReaderBusy:
            time.sleep(5 * POLL_S)
            return
        except (NoReader, CardError):
            pass  # not plugged back yet, or a reply cut short: ask again
        finally:
            port.close()
        time.sleep(POLL_S)
    raise TimeoutError("the simulated ID-card reader did not take the change in time")
