"""The start screen: the reader state, the language choice, the staff corner."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
)

from kiosk.text import Text
from ui import physical
from ui.screens.base import (
    STAFF_TAP_WINDOW_S,
    STAFF_TAPS,
    Screen,
)
from ui.theme import Theme
from ui.widgets import big_button, label


class AttractScreen(Screen):
    """Signals:
    language_chosen(str): zh (Mandarin), yue (Cantonese, Chinese text) or en.
    staff_requested: five taps in the top-left corner within three seconds.
    """

    language_chosen = Signal(str)
    staff_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "attractScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.heading = label("", "title")
        self.message = label("", "huge", name="attractMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label("")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.staff_detail = label("", "staff", name="attractStaffDetail")
        self._corner_px = theme.px(20)
        self._corner_taps: list[float] = []
        languages = QHBoxLayout()
        physical.spacing(languages, theme)
        self.language_buttons: dict[str, QPushButton] = {}
        # Each in its own language, so a villager finds theirs without reading the others.
        for code, caption in (("zh", "普通话"), ("yue", "粤语 廣東話"), ("en", "English")):
            button = big_button(caption, f"language_{code}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            languages.addWidget(button)
            self.language_buttons[code] = button
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addLayout(languages)
        layout.addLayout(top)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        layout.addWidget(self.staff_detail)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        position = event.position()
        if position.x() <= self._corner_px and position.y() <= self._corner_px:
            now = time.monotonic()
            self._corner_taps = [t for t in self._corner_taps if now - t < STAFF_TAP_WINDOW_S]
            self._corner_taps.append(now)
            if len(self._corner_taps) >= STAFF_TAPS:
                self._corner_taps.clear()
                self.staff_requested.emit()
        super().mousePressEvent(event)

    def show_state(
        self, message: Text, hint: Text | None, detail: str, language: str, speech_language: str
    ) -> None:
        self.heading.setText(
            Text("村级政务服务自助终端", "Village self-service terminal")(language)
        )
        for code, button in self.language_buttons.items():
            button.setChecked(code == speech_language)
        self.message.setText(message(language))
        self.hint.setText(hint(language) if hint else "")
        self.staff_detail.setText(detail)
        self.speech = message + hint if hint else message
