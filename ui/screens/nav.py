"""The nav bar under every villager screen: 返回, 首页, 呼叫工作人员, and the voice controls."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame

from kiosk.voice import RATE_LEVELS, VOLUME_LEVELS
from ui import physical
from ui.screens.base import (
    T_BACK,
    T_CALL_STAFF,
    T_HOME,
    T_REPEAT,
)
from ui.theme import Theme
from ui.tile_layout import TileLayout
from ui.widgets import big_button


class NavBar(QFrame):
    """Always on a villager screen: 返回, 首页, 呼叫工作人员, and the voice controls.

    Signals: back, home, call_staff, repeat, volume, rate.
    """

    back = Signal()
    home = Signal()
    call_staff = Signal()
    repeat = Signal()
    volume = Signal()
    rate = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("navBar")
        # Six equal tiles in one row on a landscape screen, two rows of three on a
        # narrow portrait one: never cut, always at the bottom within reach.
        self.tiles = row = TileLayout(theme.gap_px, max_columns=6, natural_width=True)
        self.setLayout(row)
        physical.margins(row, theme, 4, 3)
        physical.spacing(row, theme)
        self.back_button = big_button("", "nav_back")
        self.home_button = big_button("", "nav_home")
        self.call_button = big_button("", "nav_call_staff")
        self.repeat_button = big_button("", "nav_repeat", role="primary")
        self.volume_button = big_button("", "nav_volume")
        self.rate_button = big_button("", "nav_rate")
        for button, signal in (
            (self.back_button, self.back),
            (self.home_button, self.home),
            (self.call_button, self.call_staff),
            (self.repeat_button, self.repeat),
            (self.volume_button, self.volume),
            (self.rate_button, self.rate),
        ):
            button.clicked.connect(signal)
        for button in (self.back_button, self.home_button, self.call_button):
            row.addWidget(button)
        for button in (self.repeat_button, self.volume_button, self.rate_button):
            row.addWidget(button)

    def fits_one_row(self, width: int) -> bool:
        margins = self.tiles.contentsMargins()
        inner = width - margins.left() - margins.right()
        return self.tiles.columns_for(inner) >= self.tiles.count()

    def set_column(self, beside: bool) -> None:
        """One column beside the screen, or rows under it."""
        self.tiles.max_columns = 1 if beside else 6
        self.setProperty("beside", beside)
        self.style().unpolish(self)
        self.style().polish(self)
        self.tiles.invalidate()

    def retranslate(self, language: str, volume_level: int, rate_level: int) -> None:
        self.back_button.setText("◀ " + T_BACK(language))
        self.home_button.setText("⌂ " + T_HOME(language))
        self.call_button.setText("☎ " + T_CALL_STAFF(language))
        self.repeat_button.setText("♪ " + T_REPEAT(language))
        self.volume_button.setText(VOLUME_LEVELS[volume_level][0](language))
        self.rate_button.setText(RATE_LEVELS[rate_level][0](language))
