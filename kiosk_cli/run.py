"""`kiosk run` and `kiosk screenshots`: the only commands that show Qt, so the only module
of the CLI that imports ui/ (inside the commands: the others never load PySide6)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from kiosk import collector
from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_OK

DEMO_STAFF_PIN = "246810"  # only ever set by `kiosk run --demo` on a store without a PIN


def _backend_up(url: str) -> bool:
    from kiosk.backend_client import BackendClient

    with BackendClient(url) as client:
        return client.reachable(timeout_s=0.5)


def _start_demo_parts(data_dir: Path, backend_url: str, children: list[subprocess.Popen]) -> None:
    """pcscd (when root) and the mock backend (as `kiosk backend`), unless already up.
    Each child goes into `children` as it starts, so a failure half-way still stops
    whatever did start."""
    from drivers.pcsc import pcscd

    if not pcscd.pcscd_running():
        if os.geteuid() == 0:
            try:
                children.append(pcscd.start_pcscd())
                print("started pcscd --foreground")
            except (OSError, RuntimeError, TimeoutError) as error:
                print(f"pcscd could not start ({error}); running without cards")
        else:
            print("pcscd is not running and we are not root: running without cards")
    if not _backend_up(backend_url):
        port = backend_url.rsplit(":", 1)[-1].split("/")[0]
        command = ["-m", "kiosk_cli", "--data-dir", str(data_dir), "backend", "--port", port]
        children.append(subprocess.Popen([sys.executable, *command]))
        for _ in range(100):
            if _backend_up(backend_url):
                break
            time.sleep(0.1)
        print(f"mock backend on {backend_url}")


def _start_simulated_id_reader() -> tuple[Path, Path] | None:
    """The simulated ID-card reader (empty, plugged in) for a demo without a real one:
    (its port, its control file), or None if it cannot start (the demo goes on without)."""
    from kiosk_cli import simulated_cards

    try:
        link, control = simulated_cards.start_id_reader()
    except (OSError, RuntimeError, TimeoutError) as error:
        print(f"simulated ID-card reader could not start ({error}); social security cards only")
        return None
    print(f"simulated ID-card reader at {link}")
    return link, control


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args)
    children: list[subprocess.Popen] = []
    id_reader: tuple[Path, Path] | None = None
    try:
        if args.demo:
            _start_demo_parts(config.data_dir, config.backend_url, children)
            if not config.id_card_port:
                id_reader = _start_simulated_id_reader()
                if id_reader is not None:
                    config = config.replace(id_card_port=str(id_reader[0]))
        # Not before the demo's parts: waiting for its backend leaves garbage in cycles
        # (~100 objects a poll) that a paused collector would freeze for good.
        collector.pause_for_start()  # run_window resumes it once the window is up
        from kiosk.core import KioskCore
        from ui.app import run_window

        core = KioskCore(config)
        if args.mode and args.mode != core.terminal_mode:
            core.staff.change_setting("terminal_mode", args.mode)  # as staff would: audited
        if args.demo and not core.staff.pin_is_set:
            core.staff.set_pin(DEMO_STAFF_PIN)
            print(f"demo: staff PIN set to {DEMO_STAFF_PIN} (five taps top-left, then the PIN)")
        id_card_control = id_reader[1] if id_reader is not None else None
        return run_window(
            core, demo=args.demo, fullscreen=args.fullscreen, id_card_control=id_card_control
        )
    finally:
        collector.resume_after_start()  # a start that failed before the window
        if id_reader is not None:
            from kiosk_cli import simulated_cards

            simulated_cards.stop_id_reader(id_reader[1])
        for child in reversed(children):
            child.terminate()
            child.wait(5)


def cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.screenshots import render_all

    for path in render_all(Path(args.out), screen=args.screen):
        print(path)
    return EXIT_OK


def parse_screen(text: str) -> tuple[int, int, float | None]:
    """WxH or WxH@DPI, e.g. 1366x768@85 (an 18.5" panel) or 1080x1920."""
    size, at, dpi = text.partition("@")
    try:
        width, height = (int(part) for part in size.lower().split("x"))
        dots = float(dpi) if at else None  # "1366x768@" is a DPI left out, not none asked
    except ValueError:
        message = f"'{text}' is not WxH or WxH@DPI (e.g. 1366x768@85)"
        raise argparse.ArgumentTypeError(message) from None
    if not (320 <= width <= 8192 and 320 <= height <= 8192) or (dots and not 40 <= dots <= 400):
        raise argparse.ArgumentTypeError(f"'{text}': size or DPI out of range")
    return width, height, dots


def register_run(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="start the kiosk window")
    run.add_argument(
        "--demo",
        action="store_true",
        help="also start pcscd and the mock backend, and show simulated-card buttons",
    )
    run.add_argument("--fullscreen", action="store_true")
    run.add_argument(
        "--mode",
        choices=("service", "verifier"),
        help="set the terminal mode (kept, as staff's 终端模式 setting): verifier = 验码一体机",
    )
    run.add_argument("--backend-url")
    run.set_defaults(func=cmd_run)


def register_screenshots(commands: argparse._SubParsersAction) -> None:
    shots = commands.add_parser("screenshots", help="render every screen to PNG")
    shots.add_argument("--out", required=True)
    shots.add_argument(
        "--screen",
        type=parse_screen,
        help="WxH[@DPI], e.g. 1366x768@85 or 1080x1920 (default 1920x1080 at 102 DPI)",
    )
    shots.set_defaults(func=cmd_screenshots)
