"""好差评: five levels and optional reasons after every service."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
)

from kiosk import rating
from kiosk.text import Text
from ui import physical
from ui.screens.base import (
    Screen,
    clear_layout,
    tiles,
)
from ui.theme import Theme
from ui.widgets import big_button, label


class RatingScreen(Screen):
    """好差评: five levels, optional reason chips, then submit or skip.

    Signals: rated(int, list), skipped.
    """

    rated = Signal(int, list)
    skipped = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "ratingScreen")
        layout = QVBoxLayout(self.scrolling_page())
        self.margins(layout)
        self.heading = label("", "title")
        self.levels = QHBoxLayout()
        physical.spacing(self.levels, theme)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.level_buttons: dict[int, QPushButton] = {}
        for value, _ in rating.LEVELS:
            button = big_button("", f"rating_{value}")
            button.setCheckable(True)
            self.group.addButton(button, value)
            self.levels.addWidget(button)
            self.level_buttons[value] = button
        self.group.idClicked.connect(self._level_chosen)
        self.reasons_caption = label("", "muted")
        self.reasons = QVBoxLayout()
        buttons = QHBoxLayout()
        physical.spacing(buttons, theme)
        self.skip_button = big_button("", "rating_skip")
        self.skip_button.clicked.connect(self.skipped)
        self.submit_button = big_button("", "rating_submit", role="primary")
        self.submit_button.clicked.connect(self._submit)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.submit_button)
        layout.addWidget(self.heading)
        layout.addLayout(self.levels)
        layout.addWidget(self.reasons_caption)
        layout.addLayout(self.reasons, 1)
        layout.addLayout(buttons)
        self._chips: list[QPushButton] = []
        self._language = "zh"

    def render(self, language: str) -> None:
        self._language = language
        prompt = Text(
            "请为本次服务评价(可跳过)。",
            "How was this service? (You may skip.)",
            "請為今次服務評價,可以跳過。",
        )
        self.heading.setText(prompt(language))
        self.speech = prompt
        self.group.setExclusive(False)
        for value, caption in rating.LEVELS:
            self.level_buttons[value].setText(caption(language))
            self.level_buttons[value].setChecked(False)
        self.group.setExclusive(True)
        self.skip_button.setText(Text("跳过", "Skip")(language))
        self.submit_button.setText(Text("提交评价", "Send rating")(language))
        self.submit_button.setEnabled(False)
        self.reasons_caption.clear()
        clear_layout(self.reasons)
        self._chips = []

    def _level_chosen(self, level: int) -> None:
        language = self._language
        clear_layout(self.reasons)
        self.reasons_caption.setText(
            Text("原因(可选,可多选):", "Why? (optional, any number):")(language)
        )
        self._chips = []
        for key, caption in rating.reasons_for(level):
            chip = big_button(caption(language), f"reason_{key}")
            chip.setCheckable(True)
            chip.setProperty("reason", key)
            self._chips.append(chip)
        tiles(self._chips, self.theme, 3, 60, into=self.reasons)
        self.reasons.addStretch(1)
        self.submit_button.setEnabled(True)

    def _submit(self) -> None:
        level = self.group.checkedId()
        if level > 0:
            reasons = [c.property("reason") for c in self._chips if c.isChecked()]
            self.rated.emit(level, reasons)
