"""Verifier mode (验码): the waiting screen and the huge result.

Readable from across the room and never by colour alone: a colour, a pictogram and the
word (green 通过, yellow 请人工核验, red 禁止通行, grey 无法核验 请人工核验), the
check's title as the list names it, the masked name, and where the answer came from
(离线核验 with the list's age). The pictograms are the bundled SVGs
(`kiosk.pictograms.RESULT_PICTOGRAMS`: a tick in a circle, a warning triangle, a
no-entry sign, a question mark in a circle), drawn in the result's text colour on its
colour; they stand where text symbols stood, which left the words no room on 1024x768.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout

from kiosk.events import CardVerified
from kiosk.pictograms import RESULT_PICTOGRAMS
from kiosk.text import Text
from ui import physical
from ui.pictograms import pictogram_label, show_pictogram
from ui.screens.base import Screen
from ui.theme import Theme
from ui.widgets import label

# (background, text) per result; every pair >= 7:1, >= 15:1 in high contrast
# (tests/unit/ui/test_verifier_screen.py measures them).
COLOURS = {
    False: {
        "pass": ("#0F5132", "#FFFFFF"),
        "manual": ("#FFD43B", "#1A1A1A"),
        "deny": ("#8B0000", "#FFFFFF"),
        "unknown": ("#4A4A4A", "#FFFFFF"),
    },
    True: {
        "pass": ("#000000", "#FFFFFF"),
        "manual": ("#FFFF00", "#000000"),
        "deny": ("#000000", "#FFFF00"),
        "unknown": ("#FFFFFF", "#000000"),
    },
}
T_WAITING = Text("请刷卡 / 请放身份证", "Insert a card or place your ID card")
T_WAITING_SPEECH = Text("请刷卡,或者放身份证。", "Please insert a card or place your ID card.")
T_HEADING = Text("验码", "Status check")
T_ONLINE = Text("在线核验", "Checked online")
T_OFFLINE = Text("离线核验 · 名单更新于{age}前", "Checked offline · list updated {age} ago")
T_NO_SOURCE = Text("名单更新于{age}前", "List updated {age} ago")
WAITING_PICTOGRAM = "card"
PICTOGRAM_MM = 24


def age_text(seconds: float) -> Text:
    """An age a villager and staff read at a glance: minutes, hours or days."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return Text(f"{minutes} 分钟", f"{minutes} min")
    if minutes < 48 * 60:
        return Text(f"{minutes // 60} 小时", f"{minutes // 60} h")
    return Text(f"{minutes // 1440} 天", f"{minutes // 1440} days")


def source_text(answer: CardVerified) -> Text | None:
    if answer.source == "online":
        return T_ONLINE
    if answer.list_age_s is None:
        return None
    template = T_OFFLINE if answer.source == "offline" else T_NO_SOURCE
    age = age_text(answer.list_age_s)
    return Text(template.zh.format(age=age.zh), template.en.format(age=age.en))


class VerifierScreen(Screen):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "verifierScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.heading = label("", "title", name="verifierTitle")
        self.pictogram = pictogram_label(
            WAITING_PICTOGRAM, theme.px(PICTOGRAM_MM), theme.palette.text
        )
        self.pictogram.setObjectName("verifierPictogram")
        self.status = label("", "huge", name="verifierStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        physical.minimum_height(self.status, theme, 60)
        self.holder = label("", "title", name="verifierHolder")
        self.holder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.source = label("", "title", name="verifierSource")
        self.source.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heading)
        layout.addStretch(1)
        layout.addWidget(self.pictogram, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.status)
        layout.addWidget(self.holder)
        layout.addWidget(self.source)
        layout.addStretch(1)
        self.result = ""  # what is on screen: "" (waiting) or pass / manual / deny / unknown

    def show_waiting(self, language: str) -> None:
        self.result = ""
        self.heading.setText(T_HEADING(language))
        self.status.setText(T_WAITING(language))
        self.holder.clear()
        self.source.clear()
        self._draw()
        self.speech = T_WAITING_SPEECH

    def show_result(self, answer: CardVerified, language: str) -> None:
        self.result = answer.result
        self.status.setText(answer.label(language))
        self.heading.setText(answer.title(language))
        self.holder.setText(answer.masked_name)
        source = source_text(answer) or Text("", "")
        self.source.setText(source(language))
        self._draw()  # after the texts: the word's size depends on theirs
        word = answer.label
        self.speech = Text(
            f"{word.zh}。{source.zh}",
            f"{word.en}. {source.en}".strip(),
            f"{word.yue or word.zh}。{source.zh}",
        )

    def apply_theme(self, theme: Theme) -> None:
        """A new DPI, text size or contrast: the pictogram and the word drawn again."""
        super().apply_theme(theme)
        self._draw()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.result:
            self._style_status()

    def _draw(self) -> None:
        """The pictogram and the word of what shows (waiting, or the answer in its
        colours), at the theme's sizes."""
        side = self.theme.px(PICTOGRAM_MM)
        if not self.result:
            show_pictogram(self.pictogram, WAITING_PICTOGRAM, self.theme.palette.text, side)
            self.pictogram.setStyleSheet("")
            self.status.setStyleSheet("")
            return
        background, text = COLOURS[self.theme.high_contrast][self.result]
        show_pictogram(self.pictogram, RESULT_PICTOGRAMS[self.result], text, side)
        self.pictogram.setStyleSheet(f"background: {background};")
        self._style_status()

    def _style_status(self) -> None:
        """The answer's word in its colours, as large as the screen takes: twice the huge
        size where it fits (read from across the room), down to the huge size."""
        background, text = COLOURS[self.theme.high_contrast][self.result]
        px = self._word_px(self.status.text())
        style = f"background: {background}; color: {text}; font-size: {px}px; font-weight: bold;"
        if style != self.status.styleSheet():  # a resize mostly changes nothing
            self.status.setStyleSheet(style)

    def _word_px(self, word: str) -> int:
        largest, smallest = self.theme.huge_px * 2, self.theme.huge_px
        layout = self.layout()
        margins = layout.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        others = [self.heading, self.pictogram, self.holder, self.source]
        room = (
            self.height()
            - margins.top()
            - margins.bottom()
            - layout.spacing() * len(others)
            - sum(
                w.heightForWidth(width) if w.hasHeightForWidth() else w.sizeHint().height()
                for w in others
            )
        )
        room = max(room, self.status.minimumHeight())  # the layout gives it that at least
        font = QFont(self.status.font())
        font.setBold(True)
        flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter
        for px in range(largest, smallest, -max(1, largest // 24)):
            font.setPixelSize(px)
            needed = QFontMetrics(font).boundingRect(QRect(0, 0, width, 100_000), flags, word)
            if needed.width() <= width and needed.height() <= room:
                return px
        return smallest
