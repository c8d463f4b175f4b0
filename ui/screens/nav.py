"""The nav bar under every villager screen: 返回, 首页, 呼叫工作人员, and the voice controls."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
)

from kiosk.voice import RATE_LEVELS, VOLUME_LEVELS
from ui.screens.base import (
    T_BACK,
    T_CALL_STAFF,
    T_HOME,
    T_REPEAT,
)
from ui.theme import Theme
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
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(6), theme.px(3), theme.px(6), theme.px(3))
        row.setSpacing(theme.gap_px)
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
        row.addStretch(1)
        for button in (self.repeat_button, self.volume_button, self.rate_button):
            row.addWidget(button)

    def retranslate(self, language: str, volume_level: int, rate_level: int) -> None:
        self.back_button.setText("◀ " + T_BACK(language))
        self.home_button.setText("⌂ " + T_HOME(language))
        self.call_button.setText("☎ " + T_CALL_STAFF(language))
        self.repeat_button.setText("♪ " + T_REPEAT(language))
        self.volume_button.setText(VOLUME_LEVELS[volume_level][0](language))
        self.rate_button.setText(RATE_LEVELS[rate_level][0](language))
