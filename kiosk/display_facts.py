"""What the window shows on: the display preferences staff set, and the screen the running
window fitted (size, DPI and where the DPI came from), kept for `kiosk doctor`."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DISPLAY_FILE = "display.json"


@dataclass(frozen=True)
class DisplayPreferences:
    text_size: str
    high_contrast: bool
    speech_language: str
    screen_dpi: float | None  # None: take the screen's reported DPI


def write_display_facts(data_dir: Path, facts: dict) -> None:
    try:
        (data_dir / DISPLAY_FILE).write_text(json.dumps(facts), encoding="utf-8")
    except OSError as error:  # a full disk must not stop the screen from fitting
        log.warning("could not write %s: %s", DISPLAY_FILE, error)


def read_display_facts(data_dir: Path) -> dict | None:
    try:
        facts = json.loads((data_dir / DISPLAY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None
