"""Verifier mode (验码): the waiting screen and the big result."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QVBoxLayout,
)

from kiosk.text import Text
from ui import physical
from ui.screens.base import (
    Screen,
)
from ui.theme import Theme
from ui.widgets import label


class VerifierScreen(Screen):
    """验码: one huge status, readable from across the room; word and icon, not colour alone."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "verifierScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.heading = label("", "title")
        self.status = label("", "huge", name="verifierStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        physical.minimum_height(self.status, theme, 60)
        self.holder = label("", "title", name="verifierHolder")
        self.holder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heading)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(self.holder)
        layout.addStretch(1)

    def show_waiting(self, language: str) -> None:
        self.heading.setText(Text("验码 · 请刷卡", "Verifier · insert a card")(language))
        self.status.setProperty("textStyle", "huge")
        self.status.setText(Text("请插卡或刷卡", "Insert or tap a card")(language))
        self.status.style().polish(self.status)
        self.holder.clear()
        self.speech = Text("请插卡或刷卡。", "Please insert or tap a card.")

    def show_result(self, valid: bool, message: Text, holder: str, language: str) -> None:
        self.status.setProperty("textStyle", "valid" if valid else "invalid")
        self.status.style().polish(self.status)
        self.status.setText(message(language))
        self.holder.setText(holder)
        self.speech = message
