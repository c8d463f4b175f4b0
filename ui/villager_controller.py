"""The villager's taps: choose a language, a service, answer, go back, submit, rate.

Each tap becomes one core call; what follows comes from the core (an `Outcome`, an
exception with the villager's message) and goes to the window to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from kiosk import messages
from kiosk.flow import FlowDeclined, InvalidAnswer, NotEligible
from kiosk.text import Text
from offline_cache import QueueFull
from ui.background import run_in_background
from ui.printing import print_in_background

if TYPE_CHECKING:
    from ui.main_window import KioskWindow

T_SUBMITTING = Text("正在提交,请稍候……", "Submitting, please wait…")
T_SUBMIT_FAILED = Text(
    "提交没有成功,您填写的内容未丢失。请找工作人员帮忙。",
    "Submission did not go through. Nothing was lost. Please ask a staff member.",
)
T_THANKS = Text("谢谢您!请取走您的社保卡。", "Thank you! Please take your card.")
T_STAFF_CALLED = Text(
    "已通知工作人员,请稍候,马上过来。", "A staff member has been called and is on the way."
)
T_INSERT_CARD = Text("请插入社保卡。", "Please insert your social security card.", "請插入社保卡。")


class VillagerController(QObject):
    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.core = window.core
        w = window
        w.attract.language_chosen.connect(self.choose_language)
        w.home.service_chosen.connect(self.choose_service)
        w.step.answered.connect(self.answer)
        w.step.submit_requested.connect(self.submit)
        w.receipt.done.connect(w.show_rating)
        w.receipt.print_requested.connect(self._print_receipt)
        w.result.done.connect(w.show_rating)
        w.rating.rated.connect(self.rate)
        w.rating.skipped.connect(self.finish)
        w.message.acknowledged.connect(self._message_acknowledged)
        w.nav.back.connect(self.back)
        w.nav.home.connect(self.go_home)
        w.nav.call_staff.connect(self.call_staff)
        w.nav.repeat.connect(lambda: (w.speaker.repeat(), self.core.usage.here("voice_repeat")))
        w.nav.volume.connect(lambda: (w.speaker.next_volume(), w.update_nav(), self._voice()))
        w.nav.rate.connect(lambda: (w.speaker.next_rate(), w.update_nav(), self._voice(True)))

    def _voice(self, speed: bool = False) -> None:
        speaker = self.window.speaker
        if speed:
            self.core.usage.here("voice_speed", level=speaker.rate_level)
        else:
            self.core.usage.here("voice_volume", level=speaker.volume_level)

    def choose_language(self, code: str) -> None:
        self.core.usage.record("language_chosen", language=code)
        self.window.set_language(code)
        self.window.show_attract()
        self.window.speaker.say(T_INSERT_CARD, code)

    def choose_service(self, service_id: str) -> None:
        try:
            run = self.core.choose_service(service_id)
        except NotEligible as refusal:
            self.window.show_message(refusal.message, returns_home=True)
            return
        except RuntimeError:
            self.window.show_attract()
            return
        self._render_step(run)

    def _render_step(self, run) -> None:
        self.window.step.render(run, self.window.language)
        self.window.show_screen(self.window.step)

    def answer(self, value: object) -> None:
        run = self.core.run
        if run is None:
            return
        try:
            run.answer(value)
        except InvalidAnswer as problem:
            self.core.usage.validation_error(problem.code)
            self.window.step.show_problem(problem.message, self.window.language)
            self.window.speaker.say(problem.message, self.window.speech_language)
            return
        except NotEligible as refusal:
            self.core.leave_service()
            self.window.show_message(refusal.message, returns_home=True)
            return
        except FlowDeclined as declined:
            self.window.show_message(declined.message)
            self.core.end_session("declined")
            return
        self._render_step(run)

    def back(self) -> None:
        run, current = self.core.run, self.window.stack.currentWidget()
        if current is self.window.step and run is not None:
            if run.back():
                self._render_step(run)
            else:
                self.core.leave_service()
                self.window.show_home()
        elif current is self.window.home:
            self.go_home()

    def go_home(self) -> None:
        """首页: the service menu while a card is in, else the start screen."""
        if self.core.session is not None:
            self.core.leave_service()
            self.window.step.wipe()
            self.window.show_home()
        else:
            self.window.show_attract()

    def call_staff(self) -> None:
        self.core.call_staff()
        self.window.show_notice(T_STAFF_CALLED)
        self.window.speaker.say(T_STAFF_CALLED, self.window.speech_language)

    def _message_acknowledged(self) -> None:
        if self.window.message_returns_home and self.core.session is not None:
            self.window.show_home()
        else:
            self.window.show_attract()

    def submit(self) -> None:
        run = self.core.run
        if run is None:
            return
        self.window.step.set_busy(T_SUBMITTING, self.window.language)
        self.window.speaker.say(T_SUBMITTING, self.window.speech_language)
        run_in_background(
            lambda: self.core.finish(run), self.window.show_outcome, self._failed, self
        )

    def _failed(self, error: Exception) -> None:
        if self.core.session is None:
            return
        if isinstance(error, QueueFull):
            # Nothing was written; the villager is sent to the counter, staff are alerted.
            self.window.show_message(messages.QUEUE_FULL_VILLAGER)
            self.core.end_session("refused")
        else:
            self.window._background_failed(error)
            self.window.show_message(T_SUBMIT_FAILED, type(error).__name__, returns_home=True)

    def _print_receipt(self) -> None:
        print_in_background(self.window.receipt, self.core.printing, self.window.language, self)

    def rate(self, level: int, reasons: list) -> None:
        chosen = list(reasons)
        run_in_background(lambda: self.core.rate_pending(level, chosen), lambda _: None, None, self)
        self._thank()

    def finish(self) -> None:
        """No rating: 跳过."""
        self.core.skip_rating()
        self._thank()

    def _thank(self) -> None:
        self.core.end_session("finished")
        self.window.show_message(T_THANKS)

    def refresh_receipt_state(self) -> None:
        receipt = self.window.receipt.receipt
        if receipt is None:
            return
        screen = self.window.receipt

        def show(state: str | None) -> None:
            if screen.receipt is receipt:
                screen.show_sync_state(state, self.window.language)

        run_in_background(
            lambda: self.core.delivery_state(receipt.tracking_number), show, None, self
        )
