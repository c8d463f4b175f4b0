"""The kiosk core: services, flow engine, sessions, submissions, sync, config.

Never imports Qt, ui/, mock_backend/ or the CLI (kiosk_cli/); runs and is tested without
a QApplication (tests/unit/test_architecture.py).
"""

from drivers.identity import Identity

__all__ = ["Identity"]
