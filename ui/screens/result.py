"""A look-up or eligibility result, for the villager."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QVBoxLayout,
)

from kiosk.text import Text
from ui import physical
from ui.screens.base import (
    T_DONE,
    Screen,
    clear_layout,
)
from ui.theme import Theme
from ui.widgets import big_button, label


class ResultScreen(Screen):
    """The answer of a look-up service (进度查询, 免申即享). Signals: done."""

    done = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "resultScreen")
        layout = QVBoxLayout(self.scrolling_page())
        self.margins(layout)
        self.heading = label("", "huge", name="resultHeading")
        self.lines = QVBoxLayout()
        physical.spacing(self.lines, theme, 3)
        self.done_button = big_button("", "result_done", role="primary")
        self.done_button.clicked.connect(self.done)
        layout.addWidget(self.heading)
        layout.addLayout(self.lines)
        layout.addStretch(1)
        layout.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignLeft)

    def render(self, heading: Text, lines: list[Text], language: str) -> None:
        self.wipe()
        self.heading.setText(heading(language))
        for line in lines:
            self.lines.addWidget(label(line(language), name="resultLine"))
        self.done_button.setText(T_DONE(language))
        self.speech = heading
        for line in lines:
            self.speech = self.speech + line

    def wipe(self) -> None:
        self.heading.clear()
        clear_layout(self.lines)
