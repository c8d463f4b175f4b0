"""What the window shows on: the display preferences staff set, and the screen the running
window fitted (size, DPI and where the DPI came from), kept for `kiosk doctor`."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import KioskConfig
    from kiosk.staff import StaffSettings

log = logging.getLogger(__name__)

DISPLAY_FILE = "display.json"


@dataclass(frozen=True)
class DisplayPreferences:
    text_size: str
    high_contrast: bool
    speech_language: str
    screen_dpi: float | None  # None: take the screen's reported DPI


class DisplayDesk:
    """What the window asks the core about the display (`core.display`)."""

    def __init__(self, config: KioskConfig, settings: StaffSettings) -> None:
        self._config = config
        self._settings = settings  # staff's choices win over kiosk.toml

    def preferences(self) -> DisplayPreferences:
        s = self._settings
        dpi = self._config.screen_dpi or None
        return DisplayPreferences(s.text_size, s.high_contrast, s.language(), dpi)

    def record(self, facts: dict) -> None:
        """The screen the window fitted, for `kiosk doctor` (disk: not the GUI thread)."""
        write_display_facts(self._config.data_dir, facts)


def write_display_facts(data_dir: Path, facts: dict) -> None:
    path = data_dir / DISPLAY_FILE
    partial = path.with_suffix(".json.partial")
    try:  # whole or not at all: `kiosk doctor` may read it at any moment
        partial.write_text(json.dumps(facts), encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:  # a full disk must not stop the screen from fitting
        log.warning("could not write %s: %s", DISPLAY_FILE, error)


def read_display_facts(data_dir: Path) -> dict | None:
    try:
        facts = json.loads((data_dir / DISPLAY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None
