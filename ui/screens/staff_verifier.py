"""The staff screen's 验码 page: today's checks by result, the held status list (sequence,
age, valid until), the next refresh, the clock's state; a button to fetch the list now."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.text import Text
from kiosk.verification import VerifierSummary
from ui.screens.verifier import age_text
from ui.theme import Theme
from ui.widgets import big_button, label

COUNTS = (
    ("pass", Text("通过", "Pass")),
    ("manual", Text("请人工核验", "Check by hand")),
    ("deny", Text("禁止通行", "No entry")),
    ("unknown", Text("无法核验", "Cannot verify")),
    ("online", Text("在线", "Online")),
    ("offline", Text("离线", "Offline")),
)
T_NONE = Text("无", "none")


class VerifierSection(QWidget):
    """Signals: refresh_requested."""

    refresh_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("staffSection_verifier")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.gap_px)
        self.heading = label("", wrap=False)
        layout.addWidget(self.heading)
        grid = QGridLayout()
        self.captions: list[tuple[object, Text]] = []
        self.counts: dict[str, object] = {}
        for index, (key, caption) in enumerate(COUNTS):
            caption_label = label("", wrap=False)
            value = label("–", "title", wrap=False, name=f"verified_{key}")
            grid.addWidget(caption_label, index // 3, (index % 3) * 2)
            grid.addWidget(value, index // 3, (index % 3) * 2 + 1)
            self.captions.append((caption_label, caption))
            self.counts[key] = value
        layout.addLayout(grid)
        self.list_state = label("", "staff", name="verifierList")
        self.clock_state = label("", "staff", name="verifierClock")
        layout.addWidget(self.list_state)
        layout.addWidget(self.clock_state)
        layout.addStretch(1)
        self.refresh_button = big_button("", "staff_refresh_status_list")
        self.refresh_button.clicked.connect(self.refresh_requested)
        layout.addWidget(self.refresh_button)

    def retranslate(self, language: str) -> None:
        self.heading.setText(Text("今日核验", "Checks today")(language))
        for caption_label, caption in self.captions:
            caption_label.setText(caption(language))
        self.refresh_button.setText(Text("立即更新名单", "Update the list now")(language))

    def show_summary(self, summary: VerifierSummary, language: str) -> None:
        for key, value in self.counts.items():
            value.setText(str(summary.today.get(key, 0)))
        self.list_state.setText(list_text(summary)(language))
        clock = Text("正常", "ok") if summary.clock == "ok" else Text(summary.clock, summary.clock)
        self.clock_state.setText(Text("时钟:{c}", "Clock: {c}").format(c=clock(language))(language))


def list_text(summary: VerifierSummary) -> Text:
    lines = []
    if summary.list_sequence is None:
        lines.append(Text("离线名单:无", "Offline list: none"))
    else:
        age = age_text(summary.list_age_s or 0.0)
        until = dt.datetime.fromisoformat(summary.list_valid_until or "").astimezone()
        lines.append(
            Text(
                f"离线名单:第 {summary.list_sequence} 版,{summary.list_entries} 人,"
                f"{age.zh}前发布,有效至 {until:%Y-%m-%d %H:%M}",
                f"Offline list: sequence {summary.list_sequence}, {summary.list_entries} "
                f"people, issued {age.en} ago, valid until {until:%Y-%m-%d %H:%M}",
            )
        )
    if summary.next_refresh_in_s is not None:
        next_in = age_text(summary.next_refresh_in_s)
        lines.append(Text(f"下次更新:{next_in.zh}后", f"Next refresh: in {next_in.en}"))
    if summary.last_refresh:
        lines.append(
            Text(f"上次更新:{summary.last_refresh}", f"Last refresh: {summary.last_refresh}")
        )
    if summary.problem:
        lines.append(Text(summary.problem, summary.problem))
    return Text("\n".join(line.zh for line in lines), "\n".join(line.en for line in lines))
