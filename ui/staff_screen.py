"""The staff screen: the offline backlog, the last successful sync, "sync now", alerts.

Reached by five taps in the attract screen's top-left corner (a PIN comes with #5).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from kiosk.text import Text
from offline_cache import QueueCounts
from ui.theme import Theme
from ui.widgets import big_button, label

COUNT_LABELS = (
    ("pending", Text("待上报", "Pending")),
    ("in_flight", Text("上报中", "In flight")),
    ("failed", Text("失败待重试", "Failed, will retry")),
    ("quarantined", Text("已隔离(需处理)", "Quarantined (needs staff)")),
    ("sent", Text("已上报", "Sent")),
)


class StaffScreen(QWidget):
    """Signals:
    sync_requested: staff tapped "sync now".
    closed: staff tapped back.
    """

    sync_requested = Signal()
    closed = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("staffScreen")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(10), theme.px(6), theme.px(10), theme.px(6))
        layout.setSpacing(theme.gap_px)
        self.heading = label("", "title")
        layout.addWidget(self.heading)
        grid = QGridLayout()
        self.count_values: dict[str, object] = {}
        self.count_captions = []
        for row, (key, _) in enumerate(COUNT_LABELS):
            caption = label("", wrap=False)
            value = label("–", "title", wrap=False, name=f"count_{key}")
            grid.addWidget(caption, row, 0)
            grid.addWidget(value, row, 1)
            self.count_captions.append(caption)
            self.count_values[key] = value
        layout.addLayout(grid)
        self.last_sync = label("", name="lastSync")
        self.sync_result = label("", "small", name="syncResult")
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setMinimumHeight(theme.px(8))
        self.reader_detail = label("", "small", name="readerDetail")
        self.alerts = label("", "problem", name="staffAlerts")
        for widget in (
            self.last_sync,
            self.progress,
            self.sync_result,
            self.reader_detail,
            self.alerts,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.back_button = big_button("", "staff_back")
        self.back_button.clicked.connect(self.closed)
        self.sync_button = big_button("", "staff_sync_now", role="primary")
        self.sync_button.clicked.connect(self.sync_requested)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sync_button)
        layout.addLayout(buttons)
        self._language = "zh"

    def retranslate(self, language: str) -> None:
        self._language = language
        self.heading.setText(Text("工作人员 · 离线队列", "Staff · offline queue")(language))
        for caption, (_, text) in zip(self.count_captions, COUNT_LABELS, strict=True):
            caption.setText(text(language))
        self.back_button.setText(Text("返回", "Back")(language))
        self.sync_button.setText(Text("立即同步", "Sync now")(language))

    def show_counts(self, counts: QueueCounts) -> None:
        for key, widget in self.count_values.items():
            widget.setText(str(getattr(counts, key)))
        when = counts.last_acknowledged_at
        if when:
            local = dt.datetime.fromisoformat(when).astimezone()
            shown = local.strftime("%Y-%m-%d %H:%M:%S")
        else:
            shown = Text("从未", "never")(self._language)
        self.last_sync.setText(
            Text("最近一次成功同步:{t}", "Last successful sync: {t}").format(t=shown)(
                self._language
            )
        )

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def show_sync_result(self, sent: int, failed: int, quarantined: int) -> None:
        self.sync_result.setText(
            Text(
                "本次同步:已上报 {s},失败 {f},隔离 {q}",
                "This sync: sent {s}, failed {f}, quarantined {q}",
            ).format(s=sent, f=failed, q=quarantined)(self._language)
        )

    def show_alerts(self, alerts: list[str]) -> None:
        self.alerts.setText("\n".join(alerts[-5:]))

    def show_reader(self, detail: str) -> None:
        self.reader_detail.setText(detail)
