"""The staff screen: behind five corner taps and a PIN.

Pages: the offline queue (counts, last sync, "sync now", alerts), the services offered
(enable, disable, reorder; pull the catalog from the platform), the terminal (mode, text
size, language, idle timeout, voice status) and the audit log. The window applies what
staff choose through the core, which records every action in the audit log.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalog import ServiceModel
from kiosk.config import ConfigVar, staff_settings
from kiosk.staff import PinCheck
from kiosk.text import Text
from offline_cache import QueueCounts
from ui import physical
from ui.screens.base import PageStack, clear_layout
from ui.screens.staff_pin import StaffPinPage
from ui.screens.staff_verifier import VerifierSection
from ui.scrolling import ScrollingPage
from ui.theme import Theme
from ui.tile_layout import TileLayout
from ui.widgets import big_button, label

COUNT_LABELS = (
    ("pending", Text("待上报", "Pending")),
    ("in_flight", Text("上报中", "In flight")),
    ("failed", Text("失败待重试", "Failed, will retry")),
    ("quarantined", Text("已隔离(需处理)", "Quarantined (needs staff)")),
    ("sent", Text("已上报", "Sent")),
)
CHOICE_TEXT = {  # how a setting's value reads on its button
    "service": Text("办事终端", "Service terminal"),
    "verifier": Text("验码", "Verifier"),
    "standard": Text("标准字", "Standard text"),
    "large": Text("大字", "Large text"),
    "extra_large": Text("特大字", "Extra large text"),
    "zh": Text("普通话", "Mandarin"),
    "yue": Text("粤语", "Cantonese"),
    "en": Text("English", "English"),
}


def choice_text(setting: ConfigVar, value: object) -> Text:
    if setting.unit == "seconds":
        return Text(f"{int(value)} 秒", f"{int(value)} s")
    if isinstance(value, bool):
        return Text("开", "On") if value else Text("关", "Off")
    return CHOICE_TEXT.get(str(value), Text(str(value), str(value)))


SERVICES_PER_PAGE = 5
PAGES = (
    ("queue", Text("离线队列", "Queue")),
    ("services", Text("业务设置", "Services")),
    ("terminal", Text("终端设置", "Terminal")),
    ("verifier", Text("验码", "Verifier")),
    ("audit", Text("操作记录", "Audit log")),
)


class StaffScreen(QWidget):
    """Signals:
    pin_entered(str) / closed / sync_requested / catalog_pull_requested
    service_toggled(str, bool) / service_moved(str, int)
    setting_changed(str, object): terminal_mode, text_size, language, idle_timeout_s,
        high_contrast
    """

    pin_entered = Signal(str)
    closed = Signal()
    sync_requested = Signal()
    catalog_pull_requested = Signal()
    service_toggled = Signal(str, bool)
    service_moved = Signal(str, int)
    setting_changed = Signal(str, object)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("staffScreen")
        self.apply_theme(theme)
        self._language = "zh"
        self.scroller = ScrollingPage(self, theme)
        outer = QVBoxLayout(self.scroller.page)
        physical.margins(outer, theme, 8, 5)
        physical.spacing(outer, theme)
        top = QHBoxLayout()
        physical.spacing(top, theme)
        self.heading = label("", "title")
        self.back_button = big_button("", "staff_back")
        self.back_button.clicked.connect(self.closed)
        top.addWidget(self.heading, 1)
        top.addWidget(self.back_button)
        outer.addLayout(top)
        self.pages = PageStack()
        outer.addWidget(self.pages, 1)
        self.pin_page = StaffPinPage(theme)
        self.pin_page.pin_entered.connect(self.pin_entered)
        self.pages.addWidget(self.pin_page)
        self._build_main_page()

    def apply_theme(self, theme: Theme) -> None:
        """Staff read at the standard size whatever villagers chose: the staff pages then
        fit every screen the villager screens fit."""
        self.theme = theme
        self.setStyleSheet(theme.with_(text_size="standard").stylesheet())

    # -- PIN ------------------------------------------------------------------------------

    def ask_pin(self, pin_set: bool) -> None:
        self.pages.setCurrentWidget(self.pin_page)
        self.pin_page.ask(pin_set, self._language)

    def show_pin_result(self, check: PinCheck) -> None:
        self.pin_page.show_result(check, self._language)

    # -- main page ------------------------------------------------------------------------

    def _build_main_page(self) -> None:
        t = self.theme
        page = QWidget()
        page.setObjectName("staffMainPage")
        column = QVBoxLayout(page)
        physical.spacing(column, t)
        tabs = QHBoxLayout()
        physical.spacing(tabs, t)
        self.tab_buttons: dict[str, QPushButton] = {}
        self.sections = PageStack()
        for key, _ in PAGES:
            button = big_button("", f"staff_tab_{key}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=key: self.show_section(k))
            tabs.addWidget(button)
            self.tab_buttons[key] = button
        tabs.addStretch(1)
        column.addLayout(tabs)
        column.addWidget(self.sections, 1)
        self.section_widgets: dict[str, QWidget] = {}
        for key, builder in (
            ("queue", self._build_queue_section),
            ("services", self._build_services_section),
            ("terminal", self._build_terminal_section),
            ("verifier", None),
            ("audit", self._build_audit_section),
        ):
            if builder is None:  # the 验码 page is a widget of its own (staff_verifier.py)
                self.verifier_section = widget = VerifierSection(self.theme)
                self.sections.addWidget(widget)
                self.section_widgets[key] = widget
                continue
            widget = QWidget()
            widget.setObjectName(f"staffSection_{key}")
            builder(widget)
            self.sections.addWidget(widget)
            self.section_widgets[key] = widget
        self.pages.addWidget(page)
        self.main_page = page

    def show_main(self) -> None:
        self.pages.setCurrentWidget(self.main_page)
        self.show_section("queue")

    def show_section(self, key: str) -> None:
        for name, button in self.tab_buttons.items():
            button.setChecked(name == key)
        self.sections.setCurrentWidget(self.section_widgets[key])
        self.scroller.reset(self._language)  # another section: another height, from its top

    @property
    def unlocked(self) -> bool:
        return self.pages.currentWidget() is self.main_page

    def _build_queue_section(self, widget: QWidget) -> None:
        t = self.theme
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.count_values: dict[str, object] = {}
        self.count_captions = []
        for index, (key, _) in enumerate(COUNT_LABELS):
            caption = label("", wrap=False)
            value = label("–", "title", wrap=False, name=f"count_{key}")
            row, column = divmod(index, 2)  # two counts a row: room for the rest
            grid.addWidget(caption, row, 2 * column)
            grid.addWidget(value, row, 2 * column + 1)
            self.count_captions.append(caption)
            self.count_values[key] = value
        layout.addLayout(grid)
        self.last_sync = label("", name="lastSync")
        self.sync_result = label("", "staff", name="syncResult")
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        physical.minimum_height(self.progress, t, 8)
        self.reader_detail = label("", "staff", name="readerDetail")
        self.alerts = label("", "staff", name="staffAlerts")
        for item in (
            self.last_sync,
            self.progress,
            self.sync_result,
            self.reader_detail,
            self.alerts,
        ):
            layout.addWidget(item)
        layout.addStretch(1)
        self.sync_button = big_button("", "staff_sync_now", role="primary")
        self.sync_button.clicked.connect(self.sync_requested)
        layout.addWidget(self.sync_button)

    def _build_services_section(self, widget: QWidget) -> None:
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        physical.spacing(layout, self.theme)
        self.service_rows = QVBoxLayout()
        physical.spacing(self.service_rows, self.theme)
        layout.addLayout(self.service_rows)
        layout.addStretch(1)
        bottom = QHBoxLayout()
        physical.spacing(bottom, self.theme)
        self.services_previous = big_button("◀", "staff_services_previous")
        self.services_next = big_button("▶", "staff_services_next")
        self.services_previous.clicked.connect(lambda: self._turn_services(-1))
        self.services_next.clicked.connect(lambda: self._turn_services(1))
        bottom.addWidget(self.services_previous)
        bottom.addWidget(self.services_next)
        self._service_page = 0
        self._shown_services: tuple[list[ServiceModel], set[str]] = ([], set())
        self.catalog_label = label("", "staff", name="catalogStatus")
        self.pull_button = big_button("", "staff_pull_catalog")
        self.pull_button.clicked.connect(self.catalog_pull_requested)
        bottom.addWidget(self.catalog_label, 1)
        bottom.addWidget(self.pull_button)
        layout.addLayout(bottom)

    def _turn_services(self, offset: int) -> None:
        self._service_page += offset
        self.show_services(*self._shown_services)

    def show_services(self, services: list[ServiceModel], disabled: set[str]) -> None:
        """One row per service, in order: enabled toggle, title, up, down; paged so that
        every row keeps full-size touch targets at every text size."""
        language = self._language
        self._shown_services = (services, disabled)
        clear_layout(self.service_rows)
        pages = max(1, -(-len(services) // SERVICES_PER_PAGE))
        self._service_page = max(0, min(self._service_page, pages - 1))
        start = self._service_page * SERVICES_PER_PAGE
        self.services_previous.setEnabled(self._service_page > 0)
        self.services_next.setEnabled(self._service_page < pages - 1)
        for position, service in enumerate(services):
            if not start <= position < start + SERVICES_PER_PAGE:
                continue
            row = QHBoxLayout()
            physical.spacing(row, self.theme)
            enabled = service.id not in disabled
            toggle = big_button(
                Text("✔ 提供", "✔ On")(language) if enabled else Text("✖ 停用", "✖ Off")(language),
                f"toggle_{service.id}",
            )
            toggle.setCheckable(True)
            toggle.setChecked(enabled)
            toggle.clicked.connect(
                lambda checked, s=service.id: self.service_toggled.emit(s, checked)
            )
            up = big_button("▲", f"up_{service.id}")
            up.setEnabled(position > 0)
            up.clicked.connect(lambda _=False, s=service.id: self.service_moved.emit(s, -1))
            down = big_button("▼", f"down_{service.id}")
            down.setEnabled(position < len(services) - 1)
            down.clicked.connect(lambda _=False, s=service.id: self.service_moved.emit(s, 1))
            row.addWidget(toggle)
            row.addWidget(label(service.title.text()(language)), 1)
            row.addWidget(up)
            row.addWidget(down)
            self.service_rows.addLayout(row)

    def show_catalog_status(self, text: str) -> None:
        self.catalog_label.setText(text)

    def _build_terminal_section(self, widget: QWidget) -> None:
        """One row per setting declared with a staff caption (kiosk/config_declarations.py): its
        choices come from the declaration, so a new setting needs no code here."""
        layout = QGridLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        physical.spacing(layout, self.theme)
        self.setting_buttons: dict[str, dict[object, QPushButton]] = {}
        self.setting_captions: dict[str, tuple[QLabel, Text]] = {}
        declarations = staff_settings()
        for row, setting in enumerate(declarations):
            caption = label("")
            layout.addWidget(caption, row, 0)
            self.setting_captions[setting.key] = (caption, Text(*setting.staff_caption))
            buttons: dict[object, QPushButton] = {}
            line = TileLayout(self.theme.gap_px, max_columns=6, natural_width=True)
            physical.spacing(line, self.theme)
            for value in setting.staff_choices:
                shown = int(value) if setting.unit == "seconds" else value
                button = big_button("", f"setting_{setting.key}_{shown}")
                button.setCheckable(True)
                button.clicked.connect(
                    lambda _=False, k=setting.key, v=value: self.setting_changed.emit(k, v)
                )
                line.addWidget(button)
                buttons[value] = button
            layout.addLayout(line, row, 1)
            self.setting_buttons[setting.key] = buttons
        self.voice_status = label("", "staff", name="voiceStatus")
        layout.addWidget(self.voice_status, len(declarations), 0, 1, 2)
        layout.setRowStretch(len(declarations) + 1, 1)

    def show_settings(self, settings: list[tuple[ConfigVar, object]], voice_status: str) -> None:
        language = self._language
        for setting, current in settings:
            caption, caption_text = self.setting_captions[setting.key]
            caption.setText(caption_text(language))
            for value, button in self.setting_buttons[setting.key].items():
                button.setText(choice_text(setting, value)(language))
                button.setChecked(current == value)
        self.voice_status.setText(Text("语音:{s}", "Voice: {s}").format(s=voice_status)(language))

    def _build_audit_section(self, widget: QWidget) -> None:
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.audit_text = label("", "staff", name="auditLog")
        layout.addWidget(self.audit_text)
        layout.addStretch(1)

    def show_audit(self, entries: list[tuple[str, str, str]]) -> None:
        self.audit_text.setText(
            "\n".join(
                f"{at[:19].replace('T', ' ')}  {action}  {detail}"
                for at, action, detail in entries[:15]
            )
        )

    # -- text -----------------------------------------------------------------------------

    def retranslate(self, language: str) -> None:
        self._language = language
        self.heading.setText(Text("工作人员", "Staff")(language))
        self.back_button.setText(Text("退出", "Close")(language))
        for key, caption in PAGES:
            self.tab_buttons[key].setText(caption(language))
        for caption, (_, text) in zip(self.count_captions, COUNT_LABELS, strict=True):
            caption.setText(text(language))
        self.sync_button.setText(Text("立即同步", "Sync now")(language))
        self.pull_button.setText(Text("从平台更新业务目录", "Update catalog")(language))
        self.verifier_section.retranslate(language)

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
        self.alerts.setText("\n".join(alerts[-3:]))

    def show_reader(self, detail: str) -> None:
        self.reader_detail.setText(detail)
