"""A short message with what to do next (card problems, refusals, thanks)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QVBoxLayout,
)

from kiosk.pictograms import PROBLEM_PICTOGRAM
from kiosk.text import Text
from ui.pictograms import pictogram_label
from ui.screens.base import (
    Screen,
)
from ui.theme import Theme
from ui.widgets import big_button, label


class MessageScreen(Screen):
    """A short plain message and one button. Signals: acknowledged."""

    acknowledged = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "messageScreen")
        layout = QVBoxLayout(self.scrolling_page())
        self.margins(layout)
        layout.addStretch(1)
        self.pictogram = pictogram_label(PROBLEM_PICTOGRAM, theme.px(20), theme.palette.text)
        layout.addWidget(self.pictogram, 0, Qt.AlignmentFlag.AlignHCenter)
        self.message = label("", "title", name="messageText")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.detail = label("", "staff", name="messageDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        self.ok_button = big_button("", "message_ok", role="primary")
        self.ok_button.clicked.connect(self.acknowledged)
        layout.addWidget(self.ok_button, 0, Qt.AlignmentFlag.AlignHCenter)

    def render(self, message: Text, detail: str, language: str) -> None:
        self.message.setText(message(language))
        self.detail.setText(detail)
        self.ok_button.setText(Text("好的", "OK")(language))
        self.speech = message

    def wipe(self) -> None:
        self.message.clear()
        self.detail.clear()
