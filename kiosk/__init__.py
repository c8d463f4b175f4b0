"""The kiosk core: services, flow engine, sessions, submissions, sync, config, CLI.

Never imports Qt; runs and is tested without a QApplication.
"""

from drivers.identity import Identity

__all__ = ["Identity"]
