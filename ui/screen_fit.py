"""Full screen without a window manager, at the screen's physical DPI (issue 13).

A kiosk that boots X (or cage) with only our window has nobody to act on
`showFullScreen()`: the window takes its screen's geometry itself and follows the screen
when it is resized, rotated or replaced. Sizes are physical (accessibility.md), so the DPI
comes from `screen_dpi` in kiosk.toml when set, else from the size the screen reports (its
EDID) when plausible, else the 21.5" 1920x1080 default; the window hands each choice to
the core, which keeps it for `kiosk doctor`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from ui.theme import DEFAULT_DPI

log = logging.getLogger(__name__)

# Real kiosk panels run from ~85 to ~160 DPI; a screen reporting 0 mm, or a TV's size on
# a small panel, falls outside and is not believed.
PLAUSIBLE_DPI = (70.0, 200.0)


@dataclass(frozen=True)
class DisplayChoice:
    width_px: int
    height_px: int
    dpi: float
    source: str  # "kiosk.toml screen_dpi", "screen (EDID)" or "default"
    reported_mm: tuple[int, int]
    relayout_ms: float = 0.0


def reported_dpi(screen: QScreen) -> float | None:
    """The DPI from the screen's reported physical size, or None if implausible."""
    size_mm = screen.physicalSize()
    geometry = screen.geometry()
    if size_mm.width() < 50 or size_mm.height() < 50:
        return None
    horizontal = geometry.width() / (size_mm.width() / 25.4)
    vertical = geometry.height() / (size_mm.height() / 25.4)
    low, high = PLAUSIBLE_DPI
    if not (low <= horizontal <= high and low <= vertical <= high):
        return None
    if abs(horizontal - vertical) > 0.15 * horizontal:  # non-square pixels: a wrong EDID
        return None
    return round((horizontal + vertical) / 2, 1)


def choose_dpi(screen: QScreen, configured: float | None) -> tuple[float, str]:
    if configured:
        return configured, "kiosk.toml screen_dpi"
    if (measured := reported_dpi(screen)) is not None:
        return measured, "screen (EDID)"
    return DEFAULT_DPI, "default"


class ScreenFitter(QObject):
    """Keeps `window` on the whole of its screen and tells it the screen's DPI.

    Signals:
        fitted(DisplayChoice): after each fit (geometry and DPI applied, re-laid out).
    """

    fitted = Signal(object)

    def __init__(
        self,
        window: QWidget,
        apply_dpi: Callable[[float], None],
        configured_dpi: float | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self._apply_dpi = apply_dpi
        self._configured = configured_dpi
        self._screen: QScreen | None = None
        self.choice: DisplayChoice | None = None

    def start(self) -> None:
        """Frameless on the whole screen; follow screen changes from now on."""
        self.window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        app = QGuiApplication.instance()
        app.primaryScreenChanged.connect(lambda _screen: self.fit())
        app.screenRemoved.connect(lambda _screen: self.fit())
        self.fit()
        self.window.show()
        if (handle := self.window.windowHandle()) is not None:
            handle.screenChanged.connect(lambda _screen: self.fit())

    def _current_screen(self) -> QScreen:
        handle = self.window.windowHandle()
        screen = handle.screen() if handle is not None else None
        return screen or QGuiApplication.primaryScreen()

    def fit(self) -> DisplayChoice:
        screen = self._current_screen()
        if screen is not self._screen:
            if self._screen is not None:
                self._screen.geometryChanged.disconnect(self._geometry_changed)
            screen.geometryChanged.connect(self._geometry_changed)
            self._screen = screen
        return self.fit_to(screen.geometry(), *choose_dpi(screen, self._configured), screen)

    def _geometry_changed(self, _geometry: QRect) -> None:
        self.fit()

    def fit_to(
        self, geometry: QRect, dpi: float, source: str, screen: QScreen | None = None
    ) -> DisplayChoice:
        started = time.perf_counter()
        self._apply_dpi(dpi)
        self.window.setGeometry(geometry)
        self.window.setFixedSize(geometry.size())  # nothing may grow it past the screen
        if (layout := self.window.layout()) is not None:
            layout.activate()  # laid out now, not on a later turn (and not re-entering)
        size_mm = screen.physicalSize() if screen is not None else None
        self.choice = DisplayChoice(
            geometry.width(),
            geometry.height(),
            dpi,
            source,
            (round(size_mm.width()), round(size_mm.height())) if size_mm else (0, 0),
            round((time.perf_counter() - started) * 1000, 2),
        )
        log.info(
            "screen %dx%d at %.1f DPI (%s), laid out in %.1f ms",
            geometry.width(),
            geometry.height(),
            dpi,
            source,
            self.choice.relayout_ms,
        )
        self.fitted.emit(self.choice)
        return self.choice
