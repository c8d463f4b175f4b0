"""The kiosk window: the screen stack and the routing from core events and taps to screens.

It decides nothing: the core says what follows a step, a review, a receipt (an `Outcome`);
the idle guard (`ui/idle_guard.py`) and the staff controller (`ui/staff_controller.py`)
live in rooms of their own. Nothing here blocks on a card, the disk or the network.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from PySide6.QtCore import QEvent, QObject, QRect, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import events, messages
from kiosk.core import KioskCore
from kiosk.journey import Outcome, ReceiptOutcome
from kiosk.text import Text
from kiosk.voice import Speaker, Voice, default_voice
from ui import physical
from ui import screens as s
from ui.background import on_unhandled_failure, run_in_background
from ui.bridge import CoreBridge
from ui.idle_guard import IDLE_COUNTDOWN_S, T_SESSION_CLOSED, IdleGuard
from ui.memory import release_free_memory
from ui.overflow_guard import OverflowGuard
from ui.screen_fit import ScreenFitter
from ui.staff_controller import StaffController
from ui.theme import Theme
from ui.villager_controller import VillagerController
from ui.widgets import label

log = logging.getLogger(__name__)

NOTICE_MS = 6000
VERIFIER_RESULT_MS = 3000  # then back to 请刷卡, unless the card leaves first
VERIFIER_MIN_RESULT_MS = 1000  # a card lifted at once still shows its answer this long
NO_DATA_SCREENS = ("receipt", "result", "rating")  # the card may leave while these show


def _named(widget: QObject) -> str:
    """The objectName of the widget or of its nearest named ancestor (the usage log's tap
    target; kiosk/usage.py cuts it at its first digit)."""
    while widget is not None and (not widget.objectName() or widget.objectName().startswith("qt_")):
        widget = widget.parent()
    return widget.objectName() if widget is not None else "other"


class _TapWatcher(QObject):
    """Sees every press in the application: restarts the idle timer, interrupts speech."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self._last_press = -1  # one press reaches the widget, then its parents: one tap

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # Every event of every object passes here (~1,200 a session): a type test in C
        # first (PySide hands mouse events over as QMouseEvent), the enum only for those.
        # Converting every event's type to the enum was 40% of this filter's time.
        if not isinstance(event, QMouseEvent):
            return False
        try:
            if event.type() == QEvent.Type.MouseButtonPress and (
                watched is self.window.windowHandle()
                or (watched.isWidgetType() and self.window.isAncestorOf(watched))
            ):
                self.window.villager_tapped()
                if watched.isWidgetType() and event.timestamp() != self._last_press:
                    self._last_press = event.timestamp()
                    self.window.core.usage.tap(_named(watched))
        except Exception:  # noqa: BLE001 - an exception escaping an event filter aborts Qt
            log.exception("tap watcher failed")
        return False


class KioskWindow(QMainWindow):
    """Signals:
    identity_shown(card_event_at, shown_at): monotonic times, for latency figures.
    verifier_shown(identified_at, shown_at): a verifier answer painted (monotonic).
    screen_shown(str): objectName of the screen now showing (tests, benchmarks).
    """

    identity_shown = Signal(float, float)
    verifier_shown = Signal(float, float)
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
        preferences = core.display.preferences()
        self.configured_dpi = preferences.screen_dpi
        self.theme = theme or Theme(
            text_size=preferences.text_size, high_contrast=preferences.high_contrast
        )
        self.set_language(preferences.speech_language)
        self.speaker = Speaker(voice or default_voice())
        self.setWindowTitle("村级政务服务自助终端")
        self.setStyleSheet(self.theme.stylesheet())
        self.stack = QStackedWidget()
        t = self.theme
        self.attract, self.home, self.step = s.AttractScreen(t), s.HomeScreen(t), s.StepScreen(t)
        self.receipt, self.result = s.ReceiptScreen(t), s.ResultScreen(t)
        self.rating, self.message, self.idle = (
            s.RatingScreen(t),
            s.MessageScreen(t),
            s.IdleScreen(t),
        )
        for screen in (self.attract, self.home, self.step, self.receipt, self.result):
            self.stack.addWidget(screen)
        for screen in (self.rating, self.message, self.idle):
            self.stack.addWidget(screen)
        # Built on first use (`staff`, `verifier`): a service terminal may never show the
        # verifier, and staff open theirs a few times a day (~2 MB of widgets).
        self._staff: s.StaffScreen | None = None
        self._verifier: s.VerifierScreen | None = None
        self.notice = label("", "banner", name="notice")
        self.notice.hide()
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        self.nav = s.NavBar(t)
        central = QWidget()
        central.setObjectName("kioskCentral")
        column = QVBoxLayout(central)
        # The screen's size is the window's: what does not fit reflows or scrolls, it never
        # pushes the window (and the nav bar) past the screen's edge.
        column.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.overflow = OverflowGuard(
            self.stack, t, lambda alert: QTimer.singleShot(0, lambda: self.route(alert))
        )
        # The nav bar under the screen, or beside it on a landscape screen too low for
        # both (`_place_nav`).
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(0)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.nav)
        column.addWidget(self.notice)
        column.addLayout(self.body, 1)
        if demo_panel is not None:
            column.addWidget(demo_panel)
        self.setCentralWidget(central)
        self.idle_guard = IdleGuard(self, idle_countdown_s)
        self.staff_controller = StaffController(self)
        self._verifier_timer = QTimer(self, singleShot=True, interval=VERIFIER_RESULT_MS)
        self._verifier_timer.timeout.connect(self._verifier_done)
        self._verifier_shown_at = 0.0
        self.message_returns_home = False
        QApplication.instance().installEventFilter(_TapWatcher(self))
        on_unhandled_failure(self, self._background_failed)
        self.home.page_turned.connect(lambda text: self.speaker.say(text, self.speech_language))
        self.fitter = ScreenFitter(self, self._apply_dpi, self.configured_dpi)
        self.villager = VillagerController(self)
        self.bridge = CoreBridge(core, self)
        self.bridge.event.connect(self.route)
        self._routes = {
            events.ReaderStatusChanged: self._reader_changed,
            events.CardReading: self._card_reading,
            events.SessionStarted: self._session_started,
            events.SessionEnded: lambda e: self._session_ended(e.reason),
            events.CardLeftReader: self._card_left_reader,
            events.CardProblem: lambda e: self.show_message(e.message, e.detail),
            events.CardVerified: self._card_verified,
            events.Notice: lambda e: self.show_notice(e.message),
            events.SyncFinished: self._sync_finished,
            events.SyncProgress: self.staff_controller.sync_progress,
            events.StaffAlert: self.staff_controller.alert,
        }
        self._reader_message = Text("正在连接读卡器……", "Connecting to the card reader…")
        self._reader_state = "connecting"
        self.reader_detail = ""
        if core.reader_status is not None:
            self.route(core.reader_status)
        self.show_attract()

    # -- what other rooms and tests use ---------------------------------------------------

    @property
    def idle_countdown_s(self) -> int:
        return self.idle_guard.countdown_s

    @idle_countdown_s.setter
    def idle_countdown_s(self, seconds: int) -> None:
        self.idle_guard.countdown_s = seconds

    @property
    def staff(self) -> s.StaffScreen:
        if self._staff is None:
            self._staff = s.StaffScreen(self.theme)
            self.stack.addWidget(self._staff)
            self.staff_controller.attach(self._staff)
        return self._staff

    @property
    def verifier(self) -> s.VerifierScreen:
        if self._verifier is None:
            self._verifier = s.VerifierScreen(self.theme)
            self.stack.addWidget(self._verifier)
        return self._verifier

    def showing(self, *names: str) -> bool:
        """Whether the screen now showing is one of these (by objectName); unlike comparing
        with `staff` or `verifier`, it builds no screen."""
        return self.stack.currentWidget().objectName() in names

    @property
    def staff_alerts(self) -> list[str]:
        return self.staff_controller.alerts

    def show_staff(self) -> None:
        self.staff_controller.open()

    def set_language(self, code: str) -> None:
        self.speech_language = code  # zh, yue (Chinese on screen) or en
        self.language = "en" if code == "en" else "zh"

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.overflow.theme = theme
        self.setStyleSheet(theme.stylesheet())
        physical.apply(self, theme)

    def fit_to(self, width: int, height: int, dpi: float) -> None:
        """Lay out for a `width` x `height` screen at `dpi` (tests, screenshots); a running
        kiosk follows its real screen (`fit_screen`)."""
        self.fitter.fit_to(QRect(0, 0, width, height), dpi, "given")

    def fit_screen(self) -> ScreenFitter:
        """Full screen on the window's screen, with or without a window manager."""
        fitter = self.fitter
        fitter.fitted.connect(
            lambda choice: run_in_background(
                lambda: self.core.display.record(asdict(choice)), lambda _: None, parent=self
            )
        )
        fitter.start()
        return fitter

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._place_nav()

    def _place_nav(self) -> None:
        """Beside the screen when a landscape screen cannot take the nav bar in one row
        (height is what such a screen lacks), under it otherwise (within reach)."""
        width, height = self.width(), self.height()
        beside = width >= 1.5 * height and not self.nav.fits_one_row(width)
        direction = QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom
        if self.body.direction() != direction:
            self.body.setDirection(direction)
            self.nav.set_column(beside)

    def _apply_dpi(self, dpi: float) -> None:
        if dpi != self.theme.dpi:
            self.apply_theme(self.theme.with_(dpi=dpi))

    # -- showing screens ------------------------------------------------------------------

    def show_screen(self, screen: s.Screen, speak: bool = True) -> None:
        self.stack.setCurrentWidget(screen)
        if screen.scroller is not None:  # a new step in the same screen starts at its top
            screen.scroller.reset(self.language)
        self.update_nav()
        self.overflow.check_soon()
        self.idle_guard.restart()
        if speak:
            self.speaker.say(screen.speech, self.speech_language)
        self.core.usage.screen(screen.objectName())  # the usage log's screen intervals
        self.screen_shown.emit(screen.objectName())

    def update_nav(self) -> None:
        current = self.stack.currentWidget()
        self.nav.setVisible(not self.showing("staffScreen", "verifierScreen"))
        self.nav.retranslate(self.language, self.speaker.volume_level, self.speaker.rate_level)
        self._place_nav()  # captions of another language may need another arrangement
        in_session = self.core.session is not None
        self.nav.back_button.setEnabled(current in (self.step, self.home) and in_session)
        self.nav.home_button.setEnabled(current in (self.step, self.home, self.message))

    def show_attract(self) -> None:
        if self.core.terminal_mode == "verifier":
            self.verifier.show_waiting(self.language)
            self.show_screen(self.verifier, speak=False)
            return
        hint = messages.attract_hint(self._reader_state)
        self.attract.show_state(
            self._reader_message, hint, self.reader_detail, self.language, self.speech_language
        )
        self.show_screen(self.attract, speak=False)  # attract is silent until someone taps

    def show_message(self, message: Text, detail: str = "", returns_home: bool = False) -> None:
        self.message_returns_home = returns_home
        self.message.render(message, detail, self.language)
        self.show_screen(self.message)

    def show_notice(self, message: Text) -> None:
        self.notice.setText(message(self.language))
        self.notice.show()
        self._notice_timer.start()

    def show_home(self) -> None:
        session = self.core.session
        if session is None:
            self.show_attract()
            return
        self.home.render(session, self.core.menu(), self.language)
        self.show_screen(self.home)

    def show_outcome(self, outcome: Outcome) -> None:
        if not outcome.still_current:
            return  # the card left while saving: stored all the same, the screen moved on
        self.step.wipe()
        if isinstance(outcome, ReceiptOutcome):
            self.receipt.render(outcome.receipt, self.language, self.core.printing.available)
            self.show_screen(self.receipt)
            self.villager.refresh_receipt_state()
        else:
            self.result.render(outcome.heading, outcome.lines, self.language)
            self.show_screen(self.result)

    def show_rating(self) -> None:
        self.receipt.wipe()
        self.result.wipe()
        self.rating.render(self.language)
        self.show_screen(self.rating)

    # -- routing core events --------------------------------------------------------------

    def route(self, event: events.CoreEvent) -> None:
        self._routes[type(event)](event)

    def _reader_changed(self, event: events.ReaderStatusChanged) -> None:
        self._reader_message, self.reader_detail = event.message, event.detail
        self._reader_state = event.state
        if self.stack.currentWidget() is self.attract:
            self.show_attract()

    def _card_reading(self, event: events.CardReading) -> None:
        if self.stack.currentWidget() in (self.attract, self.message):
            reading = messages.CARD_READING
            self.attract.show_state(reading, None, "", self.language, self.speech_language)
            self.show_screen(self.attract)

    def _session_started(self, event: events.SessionStarted) -> None:
        self.speaker.reset()  # a new villager: default volume and speed
        self.show_home()
        self.home.repaint()
        self.identity_shown.emit(event.card_event_at, time.monotonic())

    def _card_left_reader(self, event: events.CardLeftReader) -> None:
        if self.stack.currentWidget() in (self.message, self.attract):
            self.show_attract()
        elif self.showing("verifierScreen") and self.verifier.result:
            shown_ms = (time.monotonic() - self._verifier_shown_at) * 1000
            self._verifier_timer.start(int(max(0.0, VERIFIER_MIN_RESULT_MS - shown_ms)))

    def _card_verified(self, event: events.CardVerified) -> None:
        """The next card's answer replaces the last at once."""
        self.verifier.show_result(event, self.language)
        self.show_screen(self.verifier)
        self.verifier.repaint()
        self._verifier_shown_at = time.monotonic()
        self.verifier_shown.emit(event.identified_at, self._verifier_shown_at)
        self._verifier_timer.start(VERIFIER_RESULT_MS)

    def _verifier_done(self) -> None:
        if self.showing("verifierScreen"):  # not over the staff screen
            self.show_attract()

    def _sync_finished(self, event: events.SyncFinished) -> None:
        self.villager.refresh_receipt_state()
        self.staff_controller.sync_finished(event)

    def _session_ended(self, reason: str) -> None:
        """Wipe every widget that showed the villager's data."""
        current = self.stack.currentWidget()
        self.home.wipe()
        self.step.wipe()
        if current is self.idle:
            current = self.idle_guard.screen_before
        # The receipt, result and rating screens hold no personal data: a villager who
        # takes the card out there (as told) still sees the receipt and may rate.
        if reason == "card_left" and current in (self.receipt, self.result, self.rating):
            if self.stack.currentWidget() is self.idle:
                self.show_screen(current)
            return
        self.receipt.wipe()
        self.result.wipe()
        self.speaker.stop()  # nothing of the villager's goes on being read out
        self.idle_guard.stop()
        QTimer.singleShot(0, release_free_memory)  # after the wiped widgets are deleted
        if reason == "idle":
            self.show_message(T_SESSION_CLOSED)
        elif reason not in ("declined", "refused", "finished"):  # those show their message
            self.show_attract()

    def _background_failed(self, error: Exception) -> None:
        self.route(events.StaffAlert(messages.BACKGROUND_FAILED, f"{type(error).__name__}"))

    # -- villager taps --------------------------------------------------------------------

    def villager_tapped(self) -> None:
        self.speaker.stop()  # the next tap cuts speech off
        self.idle_guard.restart()
