"""UI figures (issue #6), offscreen on this machine:

- cold start to the attract screen (a fresh process each time; median of N), with the
  bytecode written as on an installed kiosk
- tap -> next screen rendered, p95 over every tap of many sessions
- RSS after 500 simulated sessions, and its growth over the last 400
- time to re-lay out the window after a screen change

With --compare-with CHECKOUT (e.g. a git worktree of the commit before a change), this
checkout and the other run alternately, round after round, and their taps are pooled:
"no worse" on a machine whose speed drifts between runs.

Sessions start through the core's device-thread entry point with a made-up cardholder
(the card path has its own benchmark, benchmarks/card_read.py), are tapped through the
pension certification with real clicks, submitted to the real SQLite queue (backend
unreachable), rated, and ended.

    .venv/bin/python benchmarks/ui.py [--sessions 500] [--starts 7]
    .venv/bin/python benchmarks/ui.py --compare-with ../before --rounds 6 --sessions 100 --starts 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD_START = r"""
import time, sys
started = time.perf_counter()
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from kiosk.config import DEMO_IDENTITY, KioskConfig
from kiosk import collector
# As `kiosk run` does: it pauses once the CLI's modules (kiosk.config among them) are
# imported; the others' import is outside this figure, as it always was.
collector.pause_for_start()
from offline_cache import declare_first_store
from kiosk.core import KioskCore
from kiosk.voice import SilentVoice
from ui.app import make_application
from ui.main_window import KioskWindow
app = make_application()
declare_first_store(Path(sys.argv[1]))
core = KioskCore(
    KioskConfig.load(Path(sys.argv[1]), backend_url="http://127.0.0.1:9", **DEMO_IDENTITY)
)
window = KioskWindow(core, voice=SilentVoice())
window.resize(1920, 1080)
window.show()
from PySide6.QtCore import QTimer
QTimer.singleShot(0, collector.resume_after_start)  # as run_window does
window.attract.repaint()
app.processEvents()
print(time.perf_counter() - started)
"""


def cold_starts(
    count: int, root: Path = ROOT, script: str = COLD_START
) -> list[tuple[float, float]]:
    """(wall seconds including the interpreter's start, seconds from the first import to
    the attract screen painted) for `count` fresh processes, with the bytecode already
    written, as on an installed kiosk (the package's postinst runs compileall): one
    untimed start writes it into a directory of its own (PYTHONPYCACHEPREFIX), whatever
    the caller's PYTHONDONTWRITEBYTECODE and whatever __pycache__ the checkout has."""
    figures = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for number in range(count + 1):
            with tempfile.TemporaryDirectory() as data_dir:
                begin = time.perf_counter()
                result = subprocess.run(
                    [sys.executable, "-c", script, data_dir],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=root,
                    env=env,
                )
                wall = time.perf_counter() - begin
            if number > 0:  # the first start wrote the bytecode
                figures.append((wall, float(result.stdout.strip().splitlines()[-1])))
    return figures


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def kiosk_window(data_dir: Path):
    """The real core (a first store, no backend, no card service) and its window, shown
    on a 1920x1080 screen at 102 DPI, with a recording voice. The process's first window
    starts as `kiosk run` does: the garbage collector paused while it is built, then what
    start made frozen (a later window, e.g. for relayouts, freezes nothing more)."""
    import gc

    from kiosk import collector

    if gc.get_freeze_count() == 0:
        collector.pause_for_start()
    from kiosk.config import DEMO_IDENTITY, KioskConfig
    from kiosk.core import KioskCore
    from kiosk.voice import RecordingVoice
    from offline_cache import declare_first_store
    from ui.main_window import KioskWindow

    declare_first_store(data_dir)
    config = KioskConfig.load(
        data_dir, backend_url="http://127.0.0.1:9", max_unsent_rows=100_000, **DEMO_IDENTITY
    )
    core = KioskCore(config)
    voice = RecordingVoice()
    window = KioskWindow(core, voice=voice)
    window.fit_to(1920, 1080, 102.0)
    window.show()
    collector.resume_after_start()  # a no-op when it did not pause
    return core, window, voice


def sessions(count: int) -> tuple[list[float], list[float]]:
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtTest import QTest

    from ui.app import make_application
    from ui.background import wait_for_background_work
    from ui.tour import ELDER, start_session

    app = make_application()
    tap_ms: list[float] = []
    memory: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        core, window, voice = kiosk_window(Path(data_dir))
        rendered = [0]  # a count, not a list: the benchmark must not grow by itself

        def counted(_name: str) -> None:
            rendered[0] += 1

        window.screen_shown.connect(counted)

        def tap(name: str) -> None:
            button = next(
                b
                for b in window.findChildren(
                    __import__("PySide6.QtWidgets", fromlist=["QPushButton"]).QPushButton, name
                )
                if b.isVisible()
            )
            before = rendered[0]
            begin = time.perf_counter()
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
            # "Rendered": the next screen is shown and painted.
            if rendered[0] > before:
                window.stack.currentWidget().repaint()
            tap_ms.append((time.perf_counter() - begin) * 1000)
            app.processEvents()

        def settle() -> None:
            # What the running event loop does between taps, deferred deletes included
            # (processEvents alone leaves deleteLater'd widgets alive).
            for _ in range(3):
                app.processEvents()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)

        for number in range(count):
            start_session(window, ELDER)
            settle()
            tap("service_pension_certification")
            settle()
            tap("answer_yes")
            settle()
            tap("answer_yes")
            settle()
            for digit in "13812345678":
                tap(f"key_{digit}")
            tap("answer_next")
            settle()
            tap("submit")
            wait_for_background_work()
            settle()
            tap("receipt_done")
            settle()
            tap("rating_5")
            tap("rating_submit")
            wait_for_background_work()
            settle()
            tap("message_ok")
            settle()
            voice.utterances.clear()
            if number % 10 == 9:
                memory.append(rss_mb())
        core.stop()  # the usage writer too, before its directory goes
    return tap_ms, memory


SCREEN_CHANGES = [(1080, 1920, 102.0), (1366, 768, 85.0), (768, 1366, 85.0), (1920, 1080, 102.0)]


def relayouts(rounds: int) -> tuple[list[float], list[float]]:
    """Time to re-lay out the real window after the screen changes (rotated, replaced),
    showing the home screen with a villager's services; floor: a bare QWidget holding as
    many plain buttons in a QGridLayout, resized the same way."""
    from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

    from ui.app import make_application
    from ui.tour import ELDER, settle, start_session

    app = make_application()
    ours: list[float] = []
    floor: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        core, window, _voice = kiosk_window(Path(data_dir))
        start_session(window, ELDER)
        settle(app)
        buttons = len(window.findChildren(QPushButton))
        bare = QWidget()
        grid = QGridLayout(bare)
        for index in range(buttons):
            grid.addWidget(QPushButton(f"按钮 {index}"), index // 4, index % 4)
        bare.show()
        for _ in range(rounds):
            for width, height, dpi in SCREEN_CHANGES:
                started = time.perf_counter()
                window.fit_to(width, height, dpi)
                app.processEvents()
                ours.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                bare.resize(width, height)
                grid.activate()
                app.processEvents()
                floor.append((time.perf_counter() - started) * 1000)
        core.stop()
    return ours, floor


SESSIONS_IN_A_PROCESS = r"""
import importlib.util, json, os, sys
root, count = sys.argv[1], int(sys.argv[2])
os.chdir(root)
sys.path.insert(0, root)
path = os.path.join(root, "benchmarks", "ui.py")
spec = importlib.util.spec_from_file_location("ui_benchmark", path)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
taps, memory = bench.sessions(count)
print(json.dumps({"taps": taps, "rss": memory[-1] if memory else bench.rss_mb()}))
"""


def load_benchmark(root: Path):
    spec = importlib.util.spec_from_file_location("other_ui_benchmark", root / "benchmarks/ui.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compare(other: Path, rounds: int, count: int, starts: int) -> None:
    """This checkout against `other` (another checkout of this repository, e.g. a git
    worktree of the commit before a change), each round running both in fresh processes,
    one after the other and in turn first: a machine whose speed drifts slows both alike.
    Taps are pooled per checkout; each uses its own benchmark's sessions and cold start."""
    roots = {"this checkout": ROOT, str(other): other.resolve()}
    scripts = {ROOT: COLD_START, other.resolve(): load_benchmark(other.resolve()).COLD_START}
    taps: dict[Path, list[float]] = {root: [] for root in scripts}
    round_p95: dict[Path, list[float]] = {root: [] for root in scripts}
    rss: dict[Path, list[float]] = {root: [] for root in scripts}
    cold: dict[Path, list[float]] = {root: [] for root in scripts}
    for number in range(rounds):
        order = list(scripts) if number % 2 == 0 else list(reversed(scripts))
        for root in order:
            cold[root] += [inside for _, inside in cold_starts(starts, root, scripts[root])]
            result = subprocess.run(
                [sys.executable, "-c", SESSIONS_IN_A_PROCESS, str(root), str(count)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise SystemExit(f"{root}: sessions failed\n{result.stderr[-3000:]}")
            found = json.loads(result.stdout.strip().splitlines()[-1])
            taps[root] += found["taps"]
            round_p95[root].append(percentile(found["taps"], 0.95))
            rss[root].append(found["rss"])
    print(f"ui benchmark, interleaved: {rounds} rounds of {count} sessions and {starts} starts")
    for name, root in roots.items():
        print(
            f"{name}: cold start median {statistics.median(cold[root]):.3f} s from first "
            f"import; tap p50 {percentile(taps[root], 0.5):.2f} ms, p95 "
            f"{percentile(taps[root], 0.95):.2f} ms over {len(taps[root])} taps (rounds: "
            f"{', '.join(f'{value:.1f}' for value in round_p95[root])}); RSS after {count} "
            f"sessions {statistics.median(rss[root]):.1f} MB"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="CHECKOUT",
        help="run this checkout and another alternately (see compare()); "
        "--sessions and --starts are then per round",
    )
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    if args.compare_with is not None:
        compare(args.compare_with, args.rounds, args.sessions, args.starts)
        return 0

    starts = cold_starts(args.starts)
    tap_ms, memory = sessions(args.sessions)
    relayout_ms, floor_ms = relayouts(10)
    per_ten = max(1, len(memory))
    after_100 = memory[min(len(memory) - 1, 100 // 10 - 1)]
    print(f"ui benchmark: offscreen, 1920x1080, {args.sessions} sessions")
    print(
        f"cold start to attract (median of {args.starts}, bytecode written as on an installed "
        f"kiosk): {statistics.median(o for o, _ in starts):.3f} s wall incl. interpreter; "
        f"{statistics.median(i for _, i in starts):.3f} s from first import (target <= 1.0 s)"
    )
    print(
        f"tap -> next screen rendered: p50 {percentile(tap_ms, 0.5):.1f} ms, "
        f"p95 {percentile(tap_ms, 0.95):.1f} ms, max {max(tap_ms):.1f} ms over "
        f"{len(tap_ms)} taps (target p95 <= 50 ms)"
    )
    print(f"RSS after {args.sessions} sessions: {memory[-1]:.1f} MB (target <= 150 MB)")
    if args.sessions > 100:
        print(
            f"RSS growth over the last {args.sessions - 100} sessions: "
            f"{memory[-1] - after_100:+.1f} MB (target <= 5 MB); samples {per_ten}"
        )
    else:  # the first 100 warm the caches: growth is measured after them
        print("RSS growth: not measured (it needs more than 100 sessions)")
    print(
        f"re-lay out after a screen change (home screen, {len(relayout_ms)} changes between "
        f"landscape and portrait, 85-102 DPI): p50 {percentile(relayout_ms, 0.5):.1f} ms, "
        f"p95 {percentile(relayout_ms, 0.95):.1f} ms; floor (bare QGridLayout of as many "
        f"buttons): p50 {percentile(floor_ms, 0.5):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
