"""The screens: attract, one step of a flow, receipt, message. One question per screen."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.flow import CONFIRM, IDENTITY_CONFIRM, PHONE, REVIEW, FlowRun
from kiosk.submission import Receipt
from kiosk.text import Text
from ui.theme import Theme
from ui.widgets import Keypad, QrCodeWidget, big_button, label

T_BACK = Text("返回", "Back")
T_HOME = Text("首页", "Home")
T_STEP = Text("第 {n} 步 / 共 {total} 步", "Step {n} of {total}")


def _clear_layout(layout) -> None:
    """Delete every widget in a layout: old answers and names leave the widget tree."""
    while layout.count():
        item = layout.takeAt(0)
        if (widget := item.widget()) is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif (child := item.layout()) is not None:
            _clear_layout(child)


STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 3.0


class AttractScreen(QWidget):
    """Signals:
    language_toggled: the villager tapped the language button.
    staff_requested: five taps in the top-left corner within three seconds.
    """

    language_toggled = Signal()
    staff_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("attractScreen")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(12), theme.px(10), theme.px(12), theme.px(10))
        layout.setSpacing(theme.px(6))
        self.heading = label("", "title")
        self.message = label("", "huge", name="attractMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label("")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.staff_detail = label("", "small")
        self._corner_px = theme.px(20)
        self._corner_taps: list[float] = []
        self.language_button = big_button("", "language_toggle")
        self.language_button.clicked.connect(self.language_toggled)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.language_button)
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

    def show_state(self, message: Text, hint: Text | None, detail: str, language: str) -> None:
        self.heading.setText(
            Text("村级政务服务自助终端", "Village self-service terminal")(language)
        )
        self.language_button.setText("English" if language == "zh" else "中文")
        self.message.setText(message(language))
        self.hint.setText(hint(language) if hint else "")
        self.staff_detail.setText(detail)


class StepScreen(QWidget):
    """Renders whatever step a `FlowRun` is at, generically by the step's kind.

    Signals:
        answered: the villager's answer to the current step.
        back_requested / home_requested / submit_requested.
    """

    answered = Signal(object)
    back_requested = Signal()
    home_requested = Signal()
    submit_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("stepScreen")
        self._theme = theme
        outer = QVBoxLayout(self)
        outer.setContentsMargins(theme.px(10), theme.px(6), theme.px(10), theme.px(6))
        outer.setSpacing(theme.px(4))
        header = QHBoxLayout()
        self.service_title = label("", "small")
        self.step_indicator = label("", "small", wrap=False, name="stepIndicator")
        header.addWidget(self.service_title, 1)
        header.addWidget(self.step_indicator)
        outer.addLayout(header)
        self.title = label("", "title")
        self.prompt = label("")
        outer.addWidget(self.title)
        outer.addWidget(self.prompt)
        self.content = QVBoxLayout()
        self.content.setSpacing(theme.gap_px)
        outer.addLayout(self.content, 1)
        self.problem = label("", "problem")
        outer.addWidget(self.problem)
        nav = QHBoxLayout()
        nav.setSpacing(theme.gap_px)
        self.back_button = big_button("", "nav_back")
        self.back_button.clicked.connect(self.back_requested)
        self.home_button = big_button("", "nav_home")
        self.home_button.clicked.connect(self.home_requested)
        nav.addWidget(self.back_button)
        nav.addWidget(self.home_button)
        nav.addStretch(1)
        self.actions = QHBoxLayout()
        self.actions.setSpacing(theme.gap_px)
        nav.addLayout(self.actions)
        outer.addLayout(nav)
        self.keypad: Keypad | None = None

    def wipe(self) -> None:
        for widget in (
            self.title,
            self.prompt,
            self.problem,
            self.service_title,
            self.step_indicator,
        ):
            widget.clear()
        _clear_layout(self.content)
        _clear_layout(self.actions)
        self.keypad = None

    def show_problem(self, message: Text, language: str) -> None:
        self.problem.setText(message(language))

    def set_busy(self, busy_text: Text, language: str) -> None:
        for index in range(self.actions.count()):
            if (widget := self.actions.itemAt(index).widget()) is not None:
                widget.setEnabled(False)
        self.back_button.setEnabled(False)
        self.problem.setText(busy_text(language))

    def render(self, run: FlowRun, language: str) -> None:
        self.wipe()
        step = run.current
        self.back_button.setEnabled(True)
        self.back_button.setText(T_BACK(language))
        self.home_button.setText(T_HOME(language))
        self.service_title.setText(run.service.title(language))
        self.step_indicator.setText(
            T_STEP.format(n=run.step_number, total=run.step_count)(language)
        )
        self.title.setText(step.title(language))
        self.prompt.setText(step.prompt(language))
        if step.kind == IDENTITY_CONFIRM:
            self._render_identity(run, language)
        elif step.kind == CONFIRM:
            self._add_yes_no(Text("确认", "I confirm"), Text("不确认", "I do not"), language)
        elif step.kind == PHONE:
            self._render_phone(run, language)
        elif step.kind == REVIEW:
            self._render_review(run, language)

    def _add_yes_no(self, yes: Text, no: Text, language: str) -> None:
        no_button = big_button(no(language), "answer_no")
        no_button.clicked.connect(lambda: self.answered.emit(False))
        yes_button = big_button(yes(language), "answer_yes", role="primary")
        yes_button.clicked.connect(lambda: self.answered.emit(True))
        self.actions.addWidget(no_button)
        self.actions.addWidget(yes_button)

    def _render_identity(self, run: FlowRun, language: str) -> None:
        identity = run.session.identity
        if identity is None:
            return
        greeting = label(
            Text("您好,{name}", "Hello, {name}").format(name=identity.name)(language),
            "huge",
            name="greeting",
        )
        id_line = label(
            Text("身份证号:{id}", "ID number: {id}").format(id=identity.masked_id())(language),
            name="maskedId",
        )
        self.content.addWidget(greeting)
        self.content.addWidget(id_line)
        self.content.addStretch(1)
        self._add_yes_no(
            Text("是我本人,继续", "Yes, this is me"), Text("不是我", "Not me"), language
        )

    def _render_phone(self, run: FlowRun, language: str) -> None:
        step = run.current
        row = QHBoxLayout()
        display = label("", "huge", wrap=False, name="phoneDisplay")
        display.setMinimumWidth(self._theme.px(120))
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.Box)
        frame_layout = QVBoxLayout(frame)
        frame_layout.addWidget(display)
        keypad = Keypad(max_digits=11, gap_px=self._theme.gap_px)
        keypad.setObjectName("keypad")
        self.keypad = keypad
        row.addWidget(frame, 1, Qt.AlignmentFlag.AlignTop)
        row.addWidget(keypad, 1)
        self.content.addLayout(row)
        next_button = big_button(Text("下一步", "Next")(language), "answer_next", role="primary")
        next_button.setEnabled(False)

        def on_change(digits: str) -> None:
            display.setText(" ".join([digits[:3], digits[3:7], digits[7:]]).strip())
            next_button.setEnabled(len(digits) == 11)
            self.problem.clear()

        keypad.changed.connect(on_change)
        previous = run.session.answers.get(step.field or "")
        if isinstance(previous, str):
            for digit in previous:
                keypad._press(digit)
        next_button.clicked.connect(lambda: self.answered.emit(keypad.digits))
        self.actions.addWidget(next_button)

    def _render_review(self, run: FlowRun, language: str) -> None:
        for caption, value in run.summary():
            shown = value(language) if isinstance(value, Text) else value
            line = label(f"{caption(language)}:{shown}", name="summaryLine")
            self.content.addWidget(line)
        self.content.addStretch(1)
        submit = big_button(Text("确认提交", "Submit")(language), "submit", role="primary")
        submit.clicked.connect(self.submit_requested)
        self.actions.addWidget(submit)


class ReceiptScreen(QWidget):
    """Signals:
    done: the villager tapped 完成.
    """

    done = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("receiptScreen")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(theme.px(10), theme.px(8), theme.px(10), theme.px(8))
        layout.setSpacing(theme.px(8))
        text_column = QVBoxLayout()
        self.heading = label("", "huge", name="receiptHeading")
        self.service = label("", "title")
        self.tracking = label("", "huge", name="trackingNumber")
        self.next_steps = label("")
        self.sync_state = label("", name="syncState")
        self.take_card = label("", "title")
        self.done_button = big_button("", "receipt_done", role="primary")
        self.done_button.clicked.connect(self.done)
        for widget in (
            self.heading,
            self.service,
            self.tracking,
            self.next_steps,
            self.sync_state,
            self.take_card,
        ):
            text_column.addWidget(widget)
        text_column.addStretch(1)
        text_column.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(text_column, 3)
        qr_column = QVBoxLayout()
        self.qr = QrCodeWidget(theme.px(70))
        self.qr.setObjectName("receiptQr")
        self.qr_caption = label("", "small")
        qr_column.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_column.addWidget(self.qr_caption)
        qr_column.addStretch(1)
        layout.addLayout(qr_column, 2)
        self.receipt: Receipt | None = None

    def render(self, receipt: Receipt, language: str) -> None:
        self.receipt = receipt
        self.heading.setText(Text("✔ 已提交", "✔ Submitted")(language))
        self.service.setText(receipt.service_title(language))
        self.tracking.setText(
            Text("办件编号:{n}", "Tracking number: {n}").format(n=receipt.grouped_tracking_number)(
                language
            )
        )
        self.next_steps.setText(receipt.next_steps(language))
        self.take_card.setText(Text("请取走您的社保卡。", "Please take your card.")(language))
        self.done_button.setText(Text("完成", "Done")(language))
        self.qr.set_data(receipt.status_url)
        self.qr_caption.setText(
            Text("用手机扫码查询办理进度", "Scan with a phone to follow progress")(language)
        )
        self.show_sync_state("pending", language)

    def show_sync_state(self, state: str | None, language: str) -> None:
        if state == "sent":
            text = Text("已上报到政务服务平台。", "Delivered to the government service platform.")
        else:
            text = Text(
                "已安全保存在本机,联网后自动上报。",
                "Saved safely on this terminal; it will be sent automatically.",
            )
        self.sync_state.setText(text(language))

    def wipe(self) -> None:
        self.receipt = None
        for widget in (
            self.heading,
            self.service,
            self.tracking,
            self.next_steps,
            self.sync_state,
            self.take_card,
            self.qr_caption,
        ):
            widget.clear()
        self.qr.clear()


class MessageScreen(QWidget):
    """A short plain message and one button. Signals: acknowledged."""

    acknowledged = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("messageScreen")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(14), theme.px(12), theme.px(14), theme.px(12))
        layout.addStretch(1)
        self.message = label("", "title", name="messageText")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.detail = label("", "small")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        self.ok_button = big_button("", "message_ok", role="primary")
        self.ok_button.clicked.connect(self.acknowledged)
        layout.addWidget(self.ok_button, 0, Qt.AlignmentFlag.AlignHCenter)

    def render(self, message: Text, detail: str, language: str) -> None:
        self.message.setText(message(language))
        self.detail.setText(detail)
        self.ok_button.setText(Text("好的", "OK")(language))


__all__ = ["AttractScreen", "MessageScreen", "ReceiptScreen", "StepScreen", "QLabel"]
