"""PySide6 screens of the kiosk. The only package that imports Qt."""

from ui.module_sources import stop_keeping_module_sources

stop_keeping_module_sources()  # before any screen module: see ui/module_sources.py
