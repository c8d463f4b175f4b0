"""The kiosk window: routes core events and taps to screens; never blocks on card, disk or
network (those run on the core's threads or the background pool).

Every villager screen sits above the nav bar (返回, 首页, 呼叫工作人员, 再听一遍, volume,
speed) and speaks its `speech` when it appears; any tap cuts the speech off. An idle
timer warns with a countdown, then wipes the session.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk import events, messages
from kiosk.catalog import CatalogError
from kiosk.core import KioskCore, StatusAnswer
from kiosk.flow import FlowDeclined, FlowRun, InvalidAnswer, NotEligible
from kiosk.staff import PinCheck
from kiosk.submission import Receipt
from kiosk.text import Text
from kiosk.voice import Speaker, Voice, default_voice
from offline_cache import QueueFull
from ui.background import run_in_background
from ui.bridge import CoreBridge
from ui.memory import release_free_memory
from ui.screens import (
    AttractScreen,
    HomeScreen,
    IdleScreen,
    MessageScreen,
    NavBar,
    RatingScreen,
    ReceiptScreen,
    ResultScreen,
    Screen,
    StaffScreen,
    StepScreen,
    VerifierScreen,
)
from ui.theme import Theme
from ui.widgets import label

log = logging.getLogger(__name__)

T_SUBMITTING = Text("正在提交,请稍候……", "Submitting, please wait…")
T_SEARCHING = Text("正在查询,请稍候……", "Searching, please wait…")
T_SUBMIT_FAILED = Text(
    "提交没有成功,您填写的内容未丢失。请找工作人员帮忙。",
    "Submission did not go through. Nothing was lost. Please ask a staff member.",
)
T_THANKS = Text("谢谢您!请取走您的社保卡。", "Thank you! Please take your card.")
T_STAFF_CALLED = Text(
    "已通知工作人员,请稍候,马上过来。", "A staff member has been called and is on the way."
)
T_SESSION_CLOSED = Text(
    "因长时间无操作,已退出并清除您的信息。", "Closed after no activity; your details are cleared."
)
NOTICE_MS = 6000
VERIFIER_RESULT_MS = 5000
IDLE_COUNTDOWN_S = 30  # >= 20 s to extend with one tap (WCAG 2.2.1, accessibility.md)


class _TapWatcher(QObject):
    """Sees every press in the application: restarts the idle timer, interrupts speech."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.MouseButtonPress and (
            watched is self.window.windowHandle()
            or (watched.isWidgetType() and self.window.isAncestorOf(watched))
        ):
            self.window.villager_tapped()
        return False


class KioskWindow(QMainWindow):
    """Signals:
    identity_shown(card_event_at, shown_at): monotonic times, for latency figures.
    screen_shown(str): objectName of the screen now showing (tests, benchmarks).
    """

    identity_shown = Signal(float, float)
    screen_shown = Signal(str)

    def __init__(
        self,
        core: KioskCore,
        theme: Theme | None = None,
        demo_panel: QWidget | None = None,
        voice: Voice | None = None,
        idle_countdown_s: int = IDLE_COUNTDOWN_S,
    ) -> None:
        super().__init__()
        self.core = core
        settings = core.settings
        self.theme = theme or Theme(
            text_size=settings.text_size, high_contrast=settings.high_contrast
        )
        self.speech_language = settings.language(core.config.language)
        self.language = "en" if self.speech_language == "en" else "zh"
        self.speaker = Speaker(voice or default_voice())
        self.idle_countdown_s = idle_countdown_s
        self.setWindowTitle("村级政务服务自助终端")
        self.setStyleSheet(self.theme.stylesheet())
        self.stack = QStackedWidget()
        self.attract = AttractScreen(self.theme)
        self.home = HomeScreen(self.theme)
        self.step = StepScreen(self.theme)
        self.receipt = ReceiptScreen(self.theme)
        self.result = ResultScreen(self.theme)
        self.rating = RatingScreen(self.theme)
        self.message = MessageScreen(self.theme)
        self.idle = IdleScreen(self.theme)
        self.verifier = VerifierScreen(self.theme)
        self.staff = StaffScreen(self.theme)
        self.staff_alerts: list[str] = []
        for screen in (
            self.attract,
            self.home,
            self.step,
            self.receipt,
            self.result,
            self.rating,
            self.message,
            self.idle,
            self.verifier,
            self.staff,
        ):
            self.stack.addWidget(screen)
        self.notice = label("", "banner", name="notice")
        self.notice.hide()
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        self.nav = NavBar(self.theme)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notice)
        column.addWidget(self.stack, 1)
        column.addWidget(self.nav)
        if demo_panel is not None:
            column.addWidget(demo_panel)
        self.setCentralWidget(central)

        self._idle_timer = QTimer(self, singleShot=True)
        self._idle_timer.timeout.connect(self._idle_warning)
        self._countdown_timer = QTimer(self, interval=1000)
        self._countdown_timer.timeout.connect(self._countdown_tick)
        self._seconds_left = 0
        self._screen_before_idle: QWidget | None = None
        self._verifier_timer = QTimer(self, singleShot=True, interval=VERIFIER_RESULT_MS)
        self._verifier_timer.timeout.connect(self.show_attract)
        self._rated: tuple[str, str | None] | None = None
        self._message_returns_home = False
        self._catalog_outcome = ""
        QApplication.instance().installEventFilter(_TapWatcher(self))

        self.attract.language_chosen.connect(self._choose_language)
        self.attract.staff_requested.connect(self.show_staff)
        self.home.service_chosen.connect(self._choose_service)
        self.step.answered.connect(self._answer)
        self.step.submit_requested.connect(self._submit)
        self.receipt.done.connect(self._to_rating)
        self.receipt.print_requested.connect(self._print_receipt)
        self.result.done.connect(self._to_rating)
        self.rating.rated.connect(self._rate)
        self.rating.skipped.connect(self._finish)
        self.message.acknowledged.connect(self._message_acknowledged)
        self.idle.resumed.connect(self._resume_from_idle)
        self.nav.back.connect(self._back)
        self.nav.home.connect(self._home)
        self.nav.call_staff.connect(self._call_staff)
        self.nav.repeat.connect(self.speaker.repeat)
        self.nav.volume.connect(lambda: (self.speaker.next_volume(), self._update_nav()))
        self.nav.rate.connect(lambda: (self.speaker.next_rate(), self._update_nav()))
        self.staff.closed.connect(self._close_staff)
        self.staff.pin_entered.connect(self._check_pin)
        self.staff.sync_requested.connect(self._sync_now)
        self.staff.catalog_pull_requested.connect(self._pull_catalog)
        self.staff.service_toggled.connect(self._toggle_service)
        self.staff.service_moved.connect(self._move_service)
        self.staff.setting_changed.connect(self._change_setting)

        self.bridge = CoreBridge(core, self)
        self.bridge.event.connect(self._on_event)
        self._reader_message = messages.READER_STATE["ready"]
        self._reader_detail = ""
        if core.reader_status is not None:
            self._on_event(core.reader_status)
        else:
            self._reader_message = Text("正在连接读卡器……", "Connecting to the card reader…")
        self.show_attract()

    # -- showing screens ------------------------------------------------------------------

    def _show(self, screen: Screen, speak: bool = True) -> None:
        self.stack.setCurrentWidget(screen)
        self._update_nav()
        self._restart_idle_timer()
        if speak:
            self.speaker.say(screen.speech, self.speech_language)
        self.screen_shown.emit(screen.objectName())

    def _update_nav(self) -> None:
        current = self.stack.currentWidget()
        villager = current not in (self.staff, self.verifier)
        self.nav.setVisible(villager)
        self.nav.retranslate(self.language, self.speaker.volume_level, self.speaker.rate_level)
        in_session = self.core.session is not None
        self.nav.back_button.setEnabled(current in (self.step, self.home) and in_session)
        self.nav.home_button.setEnabled(current in (self.step, self.home, self.message))
        self.nav.call_button.setEnabled(True)

    def show_attract(self) -> None:
        if self.core.terminal_mode == "verifier":
            self.verifier.show_waiting(self.language)
            self._show(self.verifier, speak=False)
            return
        self.attract.show_state(
            self._reader_message,
            _attract_hint(self._reader_message),
            self._reader_detail,
            self.language,
            self.speech_language,
        )
        self._show(self.attract, speak=False)  # attract is silent until someone taps

    def show_message(self, message: Text, detail: str = "", returns_home: bool = False) -> None:
        self._message_returns_home = returns_home
        self.message.render(message, detail, self.language)
        self._show(self.message)

    def show_notice(self, message: Text) -> None:
        self.notice.setText(message(self.language))
        self.notice.show()
        self._notice_timer.start()

    def _show_home(self) -> None:
        session = self.core.session
        if session is None:
            self.show_attract()
            return
        self.home.render(session, self.core.menu(), self.language)
        self._show(self.home)

    # -- routing core events --------------------------------------------------------------

    def _on_event(self, event: events.CoreEvent) -> None:
        if isinstance(event, events.ReaderStatusChanged):
            self._reader_message, self._reader_detail = event.message, event.detail
            if self.stack.currentWidget() is self.attract:
                self.show_attract()
        elif isinstance(event, events.CardReading):
            if self.stack.currentWidget() in (self.attract, self.message):
                self.attract.show_state(
                    messages.CARD_READING, None, "", self.language, self.speech_language
                )
                self._show(self.attract)
        elif isinstance(event, events.SessionStarted):
            self.speaker.reset()  # a new villager: default volume and speed
            self._show_home()
            self.home.repaint()
            self.identity_shown.emit(event.card_event_at, time.monotonic())
        elif isinstance(event, events.SessionEnded):
            self._session_ended(event.reason)
        elif isinstance(event, events.CardWithdrawn):
            if self.stack.currentWidget() in (self.message, self.attract):
                self.show_attract()
        elif isinstance(event, events.CardProblem):
            log.info("card problem: %s", event.detail)
            self.show_message(event.message, event.detail)
        elif isinstance(event, events.CardVerified):
            self.verifier.show_result(event.valid, event.message, event.masked_name, self.language)
            self._show(self.verifier)
            self._verifier_timer.start()
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

    def _session_ended(self, reason: str) -> None:
        """Wipe every widget that showed the villager's data."""
        current = self.stack.currentWidget()
        self.home.wipe()
        self.step.wipe()
        if current is self.idle:
            current = self._screen_before_idle
        # The receipt, result and rating screens hold no personal data: a villager who
        # takes the card out there (as told) still sees the receipt and may rate.
        if reason == "card_removed" and current in (self.receipt, self.result, self.rating):
            if self.stack.currentWidget() is self.idle:
                self._show(current)
            return
        self.receipt.wipe()
        self.result.wipe()
        self._stop_countdown()
        QTimer.singleShot(0, release_free_memory)  # after the wiped widgets are deleted
        if reason in ("declined", "refused", "finished"):
            return  # the caller shows its message
        if reason == "idle":
            self.show_message(T_SESSION_CLOSED)
        else:
            self.show_attract()

    # -- villager taps --------------------------------------------------------------------

    def villager_tapped(self) -> None:
        self.speaker.stop()  # the next tap cuts speech off
        self._restart_idle_timer()

    def _choose_language(self, code: str) -> None:
        self.speech_language = code
        self.language = "en" if code == "en" else "zh"
        self.show_attract()
        self.speaker.say(
            Text("请插入社保卡。", "Please insert your social security card.", "請插入社保卡。"),
            code,
        )

    def _choose_service(self, service_id: str) -> None:
        try:
            run = self.core.choose_service(service_id)
        except NotEligible as refusal:
            self.show_message(refusal.message, returns_home=True)
            return
        except RuntimeError:
            self.show_attract()
            return
        self._render_step(run)

    def _render_step(self, run: FlowRun) -> None:
        self.step.render(run, self.language)
        self._show(self.step)

    def _answer(self, value: object) -> None:
        run = self.core.run
        if run is None:
            return
        try:
            run.answer(value)
        except InvalidAnswer as problem:
            self.step.show_problem(problem.message, self.language)
            self.speaker.say(problem.message, self.speech_language)
            return
        except NotEligible as refusal:
            self.core.leave_service()
            self.show_message(refusal.message, returns_home=True)
            return
        except FlowDeclined as declined:
            self.show_message(declined.message)
            self.core.end_session("declined")
            return
        self._render_step(run)

    def _back(self) -> None:
        run = self.core.run
        current = self.stack.currentWidget()
        if current is self.step and run is not None:
            if run.back():
                self._render_step(run)
            else:
                self.core.leave_service()
                self._show_home()
        elif current is self.home:
            self._home()

    def _home(self) -> None:
        """首页: the service menu while a card is in, else the start screen."""
        if self.core.session is not None:
            self.core.leave_service()
            self.step.wipe()
            self._show_home()
        else:
            self.show_attract()

    def _call_staff(self) -> None:
        self.core.call_staff()
        self.show_notice(T_STAFF_CALLED)
        self.speaker.say(T_STAFF_CALLED, self.speech_language)

    def _message_acknowledged(self) -> None:
        if self._message_returns_home and self.core.session is not None:
            self._show_home()
        else:
            self.show_attract()

    def _submit(self) -> None:
        run = self.core.run
        if run is None:
            return
        action = run.service.action
        if action == "eligibility_check":
            self._show_policies(run)
            return
        if action == "status_lookup":
            number = str(run.answers().get("tracking_number", ""))
            self.step.set_busy(T_SEARCHING, self.language)
            run_in_background(
                lambda: self.core.look_up_status(number),
                lambda answer: self._show_status(run, number, answer),
                self._submit_failed,
                self,
            )
            return
        self.step.set_busy(T_SUBMITTING, self.language)
        self.speaker.say(T_SUBMITTING, self.speech_language)
        run_in_background(
            lambda: self.core.submit(run),
            lambda receipt: self._show_receipt(run, receipt),
            self._submit_failed,
            self,
        )

    def _show_receipt(self, run: FlowRun, receipt: Receipt) -> None:
        self._rated = (run.service.id, receipt.tracking_number)
        if self.core.run is not run:
            return  # the card was pulled while saving: the data is stored, the screen moved on
        self.core.leave_service()
        self.step.wipe()
        self.receipt.render(receipt, self.language)
        self._show(self.receipt)
        self._refresh_receipt_sync_state()

    def _show_status(self, run: FlowRun, number: str, answer: StatusAnswer) -> None:
        log.info("status look-up: found=%s (%s)", answer.found, answer.detail)
        if self.core.run is not run:
            return
        self._rated = (run.service.id, None)
        self.core.leave_service()
        heading = Text("办理进度", "Progress") if answer.found else Text("未找到", "Not found")
        grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        self.result.render(
            heading,
            [Text("办件编号:{n}", "Tracking number: {n}").format(n=grouped), answer.message],
            self.language,
        )
        self._show(self.result)

    def _show_policies(self, run: FlowRun) -> None:
        policies = self.core.policies_for(run)
        self._rated = (run.service.id, None)
        self.core.leave_service()
        if policies:
            heading = Text(
                "您可以直接享受以下 {n} 项政策", "{n} benefit(s) are yours without applying"
            ).format(n=len(policies))
            lines = [p.title.text() + Text(":", ":") + p.benefit.text() for p in policies]
        else:
            heading = Text("暂无可直接享受的政策", "No automatic benefits for now")
            lines = []
        lines.append(run.service.next_steps.text())
        self.result.render(heading, lines, self.language)
        self._show(self.result)

    def _submit_failed(self, error: Exception) -> None:
        log.error("submission could not be stored: %s", type(error).__name__)
        if self.core.session is None:
            return
        if isinstance(error, QueueFull):
            # Nothing was written; the villager is sent to the counter, staff are alerted.
            self.show_message(messages.QUEUE_FULL_VILLAGER)
            self.core.end_session("refused")
        else:
            self.show_message(T_SUBMIT_FAILED, type(error).__name__)

    def _print_receipt(self) -> None:
        from ui.printing import print_receipt

        receipt = self.receipt.receipt
        if receipt is None:
            return
        config = self.core.config
        self.receipt.print_button.setEnabled(False)  # one print per tap, even a slow one

        def printed(where: str) -> None:
            log.info("receipt printed to %s", where)
            if self.receipt.receipt is receipt:
                self.receipt.show_print_result(Text("✔ 已打印", "✔ Printed"), self.language)

        def failed(error: Exception) -> None:
            log.error("receipt not printed: %s", error)
            if self.receipt.receipt is receipt:
                self.receipt.show_print_result(
                    Text("打印机不可用,请拍照或扫码保存", "No printer: scan the code instead"),
                    self.language,
                )

        run_in_background(
            lambda: print_receipt(receipt, config.printer_name, config.receipt_pdf_dir),
            printed,
            failed,
            self,
        )

    def _to_rating(self) -> None:
        self.receipt.wipe()
        self.result.wipe()
        self.rating.render(self.language)
        self._show(self.rating)

    def _rate(self, level: int, reasons: list) -> None:
        service_id, number = self._rated or ("unknown", None)
        run_in_background(
            lambda: self.core.rate(service_id, number, level, list(reasons)),
            lambda _: None,
            lambda error: log.warning("rating not stored: %s", type(error).__name__),
            self,
        )
        self._finish()

    def _finish(self) -> None:
        self._rated = None
        self.core.end_session("finished")
        self.show_message(T_THANKS)

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

    # -- idle -----------------------------------------------------------------------------

    def _idle_applies(self) -> bool:
        current = self.stack.currentWidget()
        return current in (self.home, self.step, self.receipt, self.result, self.rating) or (
            current is self.message and self.core.session is not None
        )

    def _restart_idle_timer(self) -> None:
        if self.stack.currentWidget() is self.idle:
            return
        timeout_s = self.core.settings.idle_timeout_s(self.core.config.idle_timeout_s)
        self._idle_timer.start(int(timeout_s * 1000))

    def _idle_warning(self) -> None:
        if not self._idle_applies():
            return
        self._screen_before_idle = self.stack.currentWidget()
        self._seconds_left = self.idle_countdown_s
        self.idle.render(self._seconds_left, self.language)
        self._show(self.idle)
        self._countdown_timer.start()

    def _countdown_tick(self) -> None:
        self._seconds_left -= 1
        self.idle.show_seconds(self._seconds_left, self.language)
        if self._seconds_left <= 0:
            self._stop_countdown()
            log.info("session closed after no activity")
            self.core.end_session("idle")
            if self.core.session is None and self.stack.currentWidget() is self.idle:
                self.show_message(T_SESSION_CLOSED)

    def _stop_countdown(self) -> None:
        self._countdown_timer.stop()
        self._screen_before_idle = None

    def _resume_from_idle(self) -> None:
        previous = self._screen_before_idle
        self._stop_countdown()
        if previous is not None:
            self._show(previous)
        else:
            self.show_attract()

    # -- staff ----------------------------------------------------------------------------

    def show_staff(self) -> None:
        if self.core.session is not None:
            return  # never over a villager's session
        self.speaker.stop()
        self.staff.retranslate(self.language)
        self.staff.ask_pin(self.core.pin.is_set)
        self._show(self.staff, speak=False)

    def _check_pin(self, pin: str) -> None:
        run_in_background(
            lambda: self.core.pin.check(pin),
            self._pin_checked,
            lambda error: log.error("PIN check failed: %s", type(error).__name__),
            self,
        )

    def _pin_checked(self, check: PinCheck) -> None:
        if not check.ok:
            self.staff.show_pin_result(check)
            return
        self.staff.show_main()
        self._refresh_staff()

    def _refresh_staff(self) -> None:
        core = self.core
        self.staff.show_reader(self._reader_detail)
        self.staff.show_alerts(self.staff_alerts)
        self.staff.show_services(
            core.settings.ordered_services(core.catalog), core.settings.disabled()
        )
        self.staff.show_catalog_status(
            f"catalog v{core.catalog.catalog_version}, {len(core.catalog.services)} services. "
            + self._catalog_outcome
        )
        self.staff.show_settings(
            {
                "terminal_mode": core.settings.terminal_mode,
                "text_size": core.settings.text_size,
                "language": core.settings.language(core.config.language),
                "idle_timeout_s": int(core.settings.idle_timeout_s(core.config.idle_timeout_s)),
                "high_contrast": core.settings.high_contrast,
            },
            self.speaker.voice.status,
        )
        self.staff.show_audit(core.audit.entries())
        self._refresh_staff_counts()

    def _close_staff(self) -> None:
        if self.staff.unlocked:
            self.core.audit.record("logout")
        self.show_attract()

    def _sync_now(self) -> None:
        self.core.audit.record("sync_now")
        self.staff.show_progress(0, 1)
        self.core.sync.trigger(force=True)

    def _toggle_service(self, service_id: str, enabled: bool) -> None:
        self.core.settings.set_enabled(service_id, enabled)
        self._refresh_staff()

    def _move_service(self, service_id: str, offset: int) -> None:
        self.core.settings.move(self.core.catalog, service_id, offset)
        self._refresh_staff()

    def _change_setting(self, key: str, value: object) -> None:
        settings = self.core.settings
        if key == "terminal_mode":
            settings.terminal_mode = str(value)
        elif key == "text_size":
            settings.text_size = str(value)
            self.apply_theme(self.theme.with_(text_size=str(value)))
        elif key == "high_contrast":
            settings.high_contrast = bool(value)
            self.apply_theme(self.theme.with_(high_contrast=bool(value)))
        elif key == "language":
            settings.set_language(str(value))
            self.speech_language = str(value)
            self.language = "en" if value == "en" else "zh"
            self.staff.retranslate(self.language)
        elif key == "idle_timeout_s":
            settings.set_idle_timeout_s(int(value))
        self._refresh_staff()

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setStyleSheet(theme.stylesheet())

    def _pull_catalog(self) -> None:
        def done(outcome: str) -> None:
            self._catalog_outcome = f"Pull: {outcome}."
            self._refresh_staff()

        def failed(error: Exception) -> None:
            if isinstance(error, CatalogError):
                text = "refused, kept the last good catalog: " + "; ".join(error.problems[:3])
            else:
                text = f"backend unreachable: {type(error).__name__}"
                self.core.audit.record("catalog_pull_failed", type(error).__name__)
            self._catalog_outcome = f"Pull: {text}."
            self._refresh_staff()

        run_in_background(self.core.pull_catalog, done, failed, self)

    def _refresh_staff_counts(self) -> None:
        if self.stack.currentWidget() is not self.staff or not self.staff.unlocked:
            return
        run_in_background(self.core.queue.counts, self.staff.show_counts, lambda e: None, self)


def _attract_hint(message: Text) -> Text | None:
    if message is messages.READER_STATE["ready"]:
        return Text(
            "插卡后按屏幕提示办理。需要帮助请按“呼叫工作人员”。",
            "Then follow the steps on the screen. Press “Call staff” for help.",
            "插卡之後跟住螢幕提示辦理。需要幫手請撳「呼叫工作人員」。",
        )
    return None
