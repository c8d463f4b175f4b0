"""`kiosk run` starts with the garbage collector paused and resumes it, what start made
frozen, once the window is up (kiosk/collector.py). The real command runs offscreen in a
process of its own, its collector's two calls watched: the state is the process's own."""

import json
import os
import subprocess
import sys

from tests.helpers.enrolment import write_enrolled_toml

# Imports only what the CLI imports itself, so the heavy ones happen as in `kiosk run`.
SPY = r"""
import gc, json, sys
from kiosk import collector
from kiosk_cli.main import main

seen = {}
paused, resumed = collector.pause_for_start, collector.resume_after_start

def collections():
    return sum(generation["collections"] for generation in gc.get_stats())

def pause():
    paused()
    seen["at pause"] = {
        "collector on": gc.isenabled(),
        "qt or core imported": any(m in sys.modules for m in ("PySide6", "kiosk.core")),
        "collections": collections(),
    }

def resume():
    if "at resume" not in seen:  # cmd_run's `finally` calls it again
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from ui.main_window import KioskWindow

        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow))
        seen["at resume"] = {
            "collector on": gc.isenabled(),
            "window shown": window.isVisible(),
            "collections": collections(),
        }
        resumed()
        seen["after resume"] = {
            "collector on": gc.isenabled(),
            "window frozen": not any(thing is window for thing in gc.get_objects()),
            "frozen": gc.get_freeze_count(),
        }
        QTimer.singleShot(0, QApplication.instance().quit)
    resumed()

collector.pause_for_start, collector.resume_after_start = pause, resume
code = main(sys.argv[1:])
print(json.dumps(seen))
sys.exit(code)
"""


def test_kiosk_run_pauses_the_collector_before_its_imports_and_resumes_it_with_the_window_up(
    tmp_path,
):
    write_enrolled_toml(tmp_path)
    command = [sys.executable, "-c", SPY, "--data-dir", str(tmp_path), "run"]
    command += ["--backend-url", "http://127.0.0.1:9"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])

    assert seen["at pause"]["collector on"] is False
    assert seen["at pause"]["qt or core imported"] is False  # Qt, the core: all paused
    assert seen["at resume"]["collector on"] is False
    assert seen["at resume"]["window shown"] is True
    # Not one collection from the pause to the window up.
    assert seen["at resume"]["collections"] == seen["at pause"]["collections"]
    assert seen["after resume"]["collector on"] is True
    assert seen["after resume"]["window frozen"] is True
    assert seen["after resume"]["frozen"] > 50_000  # the modules, classes and widgets
