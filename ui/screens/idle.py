"""The idle warning: a countdown and one big 继续办理 button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QVBoxLayout,
)

from kiosk.text import Text
from ui import physical
from ui.screens.base import (
    Screen,
)
from ui.theme import Theme
from ui.widgets import big_button, label


class IdleScreen(Screen):
    """您还在吗? A countdown with one big button; at zero the session is wiped.

    Signals: resumed.
    """

    resumed = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "idleScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        layout.addStretch(1)
        self.question = label("", "huge", name="idleQuestion")
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown = label("", "title", name="idleCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resume_button = big_button("", "idle_resume", role="primary")
        physical.minimum_height(self.resume_button, theme, 25)
        self.resume_button.clicked.connect(self.resumed)
        layout.addWidget(self.question)
        layout.addWidget(self.countdown)
        layout.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def render(self, seconds_left: int, language: str) -> None:
        question = Text("您还在办理吗?", "Are you still there?", "你仲喺度辦緊嗎?")
        self.question.setText(question(language))
        self.resume_button.setText(Text("继续办理", "Continue")(language))
        self.show_seconds(seconds_left, language)
        self.speech = question + Text(
            "如需继续,请按“继续办理”。", "To go on, press Continue.", "想繼續就撳「繼續辦理」。"
        )

    def show_seconds(self, seconds_left: int, language: str) -> None:
        self.countdown.setText(
            Text(
                "{s} 秒后将退出并清除您的信息。",
                "In {s} seconds this will close and clear your details.",
            ).format(s=seconds_left)(language)
        )
