"""The Qt binding must keep Python's reference counts straight: a kiosk runs for months.

PySide6 6.12.0 on Python 3.11 lost one reference to None (and to True/False) per void or
bool call, so after enough calls the interpreter aborted with "deallocating None".
"""

import sys

import pytest
from PySide6.QtWidgets import QLabel

CALLS = 2000


@pytest.mark.parametrize("singleton", [None, True, False], ids=["None", "True", "False"])
def test_qt_calls_do_not_leak_or_steal_singleton_references(qapp, singleton):
    label = QLabel()
    calls = [qapp.processEvents, lambda: label.setText("x"), label.isVisible, label.hide]
    before = sys.getrefcount(singleton)
    for _ in range(CALLS):
        for call in calls:
            call()
    drift = sys.getrefcount(singleton) - before
    assert abs(drift) < CALLS // 10, f"{singleton!r} refcount drifted by {drift}"
