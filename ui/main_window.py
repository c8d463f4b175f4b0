"""The kiosk window: routes core events to screens; never blocks on card, disk or network."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk import events, messages
from kiosk.core import KioskCore
from kiosk.flow import FlowDeclined, InvalidAnswer
from kiosk.submission import Receipt
from kiosk.text import Text
from offline_cache import QueueFull
from ui.background import run_in_background
from ui.bridge import CoreBridge
from ui.screens import AttractScreen, MessageScreen, ReceiptScreen, StepScreen
from ui.staff_screen import StaffScreen
from ui.theme import Theme
from ui.widgets import label

log = logging.getLogger(__name__)

T_SUBMITTING = Text("正在提交,请稍候……", "Submitting, please wait…")
T_SUBMIT_FAILED = Text(
    "提交没有成功,您填写的内容未丢失。请找工作人员帮忙。",
    "Submission did not go through. Nothing was lost. Please ask a staff member.",
)
T_REMOVE_CARD = Text("请取走您的卡。", "Please take your card.")
T_HOME_DONE = Text("已返回首页。请取走您的社保卡。", "Back to start. Please take your card.")
NOTICE_MS = 6000


class KioskWindow(QMainWindow):
    """Signals:
    identity_shown(card_event_at, shown_at): monotonic times, for latency figures.
    """

    identity_shown = Signal(float, float)

    def __init__(
        self, core: KioskCore, theme: Theme | None = None, demo_panel: QWidget | None = None
    ) -> None:
        super().__init__()
        self.core = core
        self.theme = theme or Theme()
        self.language = core.config.language
        self.setWindowTitle("村级政务服务自助终端")
        self.setStyleSheet(self.theme.stylesheet())
        self.stack = QStackedWidget()
        self.attract = AttractScreen(self.theme)
        self.step = StepScreen(self.theme)
        self.receipt = ReceiptScreen(self.theme)
        self.message = MessageScreen(self.theme)
        self.staff = StaffScreen(self.theme)
        self.staff_alerts: list[str] = []
        for screen in (self.attract, self.step, self.receipt, self.message, self.staff):
            self.stack.addWidget(screen)
        self.notice = label("", "banner", name="notice")
        self.notice.hide()
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notice)
        column.addWidget(self.stack, 1)
        if demo_panel is not None:
            column.addWidget(demo_panel)
        self.setCentralWidget(central)

        self.attract.language_toggled.connect(self._toggle_language)
        self.attract.staff_requested.connect(self.show_staff)
        self.staff.closed.connect(self.show_attract)
        self.staff.sync_requested.connect(self._sync_now)
        self.step.answered.connect(self._answer)
        self.step.back_requested.connect(self._back)
        self.step.home_requested.connect(self._home)
        self.step.submit_requested.connect(self._submit)
        self.receipt.done.connect(lambda: self.core.end_session("finished"))
        self.message.acknowledged.connect(self.show_attract)

        self.bridge = CoreBridge(core, self)
        self.bridge.event.connect(self._on_event)
        self._reader_message = messages.READER_STATE["ready"]
        self._reader_detail = ""
        if core.reader_status is not None:
            self._on_event(core.reader_status)
        else:
            self._reader_message = Text("正在连接读卡器……", "Connecting to the card reader…")
        self.show_attract()

    # -- routing --------------------------------------------------------------------------

    def _on_event(self, event: events.CoreEvent) -> None:
        if isinstance(event, events.ReaderStatusChanged):
            self._reader_message, self._reader_detail = event.message, event.detail
            if self.stack.currentWidget() is self.attract:
                self.show_attract()
        elif isinstance(event, events.CardReading):
            if self.stack.currentWidget() in (self.attract, self.message):
                self.attract.show_state(messages.CARD_READING, None, "", self.language)
                self.stack.setCurrentWidget(self.attract)
        elif isinstance(event, events.SessionStarted):
            self.step.render(event.run, self.language)
            self.stack.setCurrentWidget(self.step)
            self.step.repaint()
            self.identity_shown.emit(event.card_event_at, time.monotonic())
        elif isinstance(event, events.SessionEnded):
            self.step.wipe()
            self.receipt.wipe()
            if event.reason not in ("declined", "home", "refused"):
                self.show_attract()
        elif isinstance(event, events.CardWithdrawn):
            if self.stack.currentWidget() in (self.message, self.attract):
                self.show_attract()
        elif isinstance(event, events.CardProblem):
            log.info("card problem: %s", event.detail)
            self.show_message(event.message, event.detail)
        elif isinstance(event, events.Notice):
            self.show_notice(event.message)
        elif isinstance(event, events.SyncFinished):
            self._refresh_receipt_sync_state()
            self.staff.show_sync_result(event.sent, event.failed, event.quarantined)
            self._refresh_staff_counts()
        elif isinstance(event, events.SyncProgress):
            self.staff.show_progress(event.done, event.total)
            self._refresh_staff_counts()
        elif isinstance(event, events.StaffAlert):
            stamp = time.strftime("%H:%M")
            self.staff_alerts.append(f"{stamp} {event.message(self.language)} ({event.detail})")
            self.staff.show_alerts(self.staff_alerts)

    def show_attract(self) -> None:
        self.attract.show_state(
            self._reader_message,
            _attract_hint(self._reader_message),
            self._reader_detail,
            self.language,
        )
        self.stack.setCurrentWidget(self.attract)

    def show_staff(self) -> None:
        if self.core.run is not None:
            return  # never over a villager's session
        self.staff.retranslate(self.language)
        self.staff.show_reader(self._reader_detail)
        self.staff.show_alerts(self.staff_alerts)
        self.stack.setCurrentWidget(self.staff)
        self._refresh_staff_counts()

    def _sync_now(self) -> None:
        self.staff.show_progress(0, 1)
        self.core.sync.trigger(force=True)

    def _refresh_staff_counts(self) -> None:
        if self.stack.currentWidget() is not self.staff:
            return
        run_in_background(self.core.queue.counts, self.staff.show_counts, lambda e: None, self)

    def show_message(self, message: Text, detail: str = "") -> None:
        self.message.render(message, detail, self.language)
        self.stack.setCurrentWidget(self.message)

    def show_notice(self, message: Text) -> None:
        self.notice.setText(message(self.language))
        self.notice.show()
        self._notice_timer.start()

    def _toggle_language(self) -> None:
        self.language = "en" if self.language == "zh" else "zh"
        self.show_attract()

    # -- flow -----------------------------------------------------------------------------

    def _answer(self, value: object) -> None:
        run = self.core.run
        if run is None:
            return
        try:
            run.answer(value)
        except InvalidAnswer as problem:
            self.step.show_problem(problem.message, self.language)
            return
        except FlowDeclined as declined:
            self.show_message(declined.message)
            self.core.end_session("declined")
            return
        self.step.render(run, self.language)

    def _back(self) -> None:
        run = self.core.run
        if run is not None and run.back():
            self.step.render(run, self.language)

    def _home(self) -> None:
        self.show_message(T_HOME_DONE)
        self.core.end_session("home")

    def _submit(self) -> None:
        run = self.core.run
        if run is None:
            return
        self.step.set_busy(T_SUBMITTING, self.language)
        run_in_background(
            lambda: self.core.submit(run), self._show_receipt, self._submit_failed, self
        )

    def _show_receipt(self, receipt: Receipt) -> None:
        if self.core.run is None:
            return  # the card was pulled while saving: the receipt must not outlive the session
        self.receipt.render(receipt, self.language)
        self.stack.setCurrentWidget(self.receipt)
        self._refresh_receipt_sync_state()

    def _submit_failed(self, error: Exception) -> None:
        log.error("submission could not be stored: %s", type(error).__name__)
        if self.core.run is None:
            return
        if isinstance(error, QueueFull):
            # Nothing was written; the villager is sent to the counter, staff are alerted.
            self.show_message(messages.QUEUE_FULL_VILLAGER)
            self.core.end_session("refused")
        else:
            self.show_message(T_SUBMIT_FAILED, type(error).__name__)

    def _refresh_receipt_sync_state(self) -> None:
        receipt = self.receipt.receipt
        if receipt is None:
            return
        number = receipt.tracking_number
        run_in_background(
            lambda: self.core.queue.state_of(number),
            lambda state: (
                self.receipt.receipt is receipt
                and self.receipt.show_sync_state(state, self.language)
            ),
            lambda error: None,
            self,
        )


def _attract_hint(message: Text) -> Text | None:
    if message is messages.READER_STATE["ready"]:
        return Text(
            "插卡后按屏幕提示办理。需要帮助请找工作人员。",
            "Then follow the steps on the screen. Staff are here to help.",
        )
    return None
