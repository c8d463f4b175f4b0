"""`kiosk screenshots`: every screen in every text size, contrast mode and language.

Drives the real window through the real core (a throwaway store, no card service, a
recording voice) with `ui.tour`, so the pictures show exactly what a villager sees.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
from pathlib import Path

from kiosk.config import DEMO_IDENTITY, KioskConfig
from kiosk.core import KioskCore
from kiosk.voice import RecordingVoice
from offline_cache import declare_first_store
from ui.app import make_application
from ui.layout_audit import audit
from ui.theme import DEFAULT_DPI, TEXT_SIZES_MM, Theme
from ui.tour import run_tour

log = logging.getLogger(__name__)

SIZE = (1920, 1080)  # 21.5" at 102 DPI, the theme's reference screen


def render_all(
    out_dir: Path,
    languages: tuple[str, ...] = ("zh", "en"),
    text_sizes: tuple[str, ...] = tuple(TEXT_SIZES_MM),
    contrasts: tuple[bool, ...] = (False, True),
    screen: tuple[int, int, float | None] | None = None,
) -> list[Path]:
    """Every stop of the tour as PNG, on `screen` (width, height, DPI or None for the
    default DPI); the layout problems found at each stop are logged (`ui.layout_audit`)."""
    from ui.main_window import KioskWindow

    app = make_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for language, text_size, high_contrast in itertools.product(languages, text_sizes, contrasts):
        with tempfile.TemporaryDirectory() as data_dir:
            # A throwaway kiosk: the demo identity and a first store, so receipts are
            # numbered without a backend.
            declare_first_store(Path(data_dir))
            core = KioskCore(
                KioskConfig.load(
                    Path(data_dir),
                    backend_url="http://127.0.0.1:9",
                    language=language,
                    **DEMO_IDENTITY,
                )
            )
            width, height, dpi = screen or (*SIZE, None)
            theme = Theme(text_size=text_size, high_contrast=high_contrast)
            window = KioskWindow(core, theme=theme, voice=RecordingVoice())
            window.fit_to(width, height, dpi or DEFAULT_DPI)
            window.show()
            suffix = f"{language}-{text_size}{'-hc' if high_contrast else ''}"
            counter = itertools.count(1)

            def shot(
                name: str,
                window: KioskWindow = window,
                suffix: str = suffix,
                counter: itertools.count = counter,
            ) -> None:
                path = out_dir / f"{next(counter):02d}-{name}-{suffix}.png"
                window.grab().save(str(path))
                written.append(path)
                for problem in audit(window, window.theme, name):
                    log.warning("%s %s: %s", window.size().toTuple(), suffix, problem)

            run_tour(window, app, shot)
            window.close()
            window.deleteLater()
            core.stop()
            app.processEvents()
    return written
