"""`kiosk run` starts with the garbage collector paused and resumes it, what start made
frozen, once the window is up (kiosk/collector.py). The real command runs offscreen in a
process of its own, with a spy on the window: the collector's state is the process's."""

import os
import subprocess
import sys

from tests.helpers.enrolment import write_enrolled_toml

SPY = r"""
import gc, sys
import ui.main_window
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from kiosk_cli.main import main

built = ui.main_window.KioskWindow.__init__

def spied(self, *args, **kwargs):
    print("collector on while the window is built:", gc.isenabled(), flush=True)
    built(self, *args, **kwargs)
    def once_resumed():
        if gc.isenabled() and self.isVisible():
            print("collector on with the window up, frozen:", gc.get_freeze_count(), flush=True)
            QApplication.instance().quit()
    probe = QTimer(self)
    probe.timeout.connect(once_resumed)
    probe.start(20)
    QTimer.singleShot(20_000, QApplication.instance().quit)  # never resumed: the test fails

ui.main_window.KioskWindow.__init__ = spied
sys.exit(main(sys.argv[1:]))
"""


def test_kiosk_run_builds_the_window_with_the_collector_paused_then_resumes_it(tmp_path):
    write_enrolled_toml(tmp_path)
    command = [sys.executable, "-c", SPY, "--data-dir", str(tmp_path), "run"]
    command += ["--backend-url", "http://127.0.0.1:9"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "collector on while the window is built: False" in lines, result.stdout
    resumed = [line for line in lines if line.startswith("collector on with the window up")]
    assert resumed, result.stdout
    assert int(resumed[0].rsplit(" ", 1)[1]) > 50_000  # the modules, classes and widgets
