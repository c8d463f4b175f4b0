"""The villager's screens. One question per screen, single taps only, everything in
Chinese and English, and a spoken prompt (`speech`) for each.

Screens only display and report taps (signals); `ui.main_window` decides what happens.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk import rating
from kiosk.catalog import (
    ChoiceStep,
    ConfirmStep,
    DateStep,
    IdentityConfirmStep,
    InfoStep,
    KeypadStep,
    PhrasesStep,
    ReviewStep,
    ServiceModel,
    YesNoStep,
)
from kiosk.flow import FlowRun, date_text, keypad_length, offered_dates
from kiosk.session import Session
from kiosk.submission import Receipt
from kiosk.text import Text
from kiosk.voice import RATE_LEVELS, VOLUME_LEVELS
from ui.theme import Theme
from ui.widgets import Keypad, QrCodeWidget, big_button, label

T_BACK = Text("返回", "Back")
T_HOME = Text("首页", "Home")
T_CALL_STAFF = Text("呼叫工作人员", "Call staff")
T_REPEAT = Text("再听一遍", "Hear again")
T_STEP = Text("第 {n} 步 / 共 {total} 步", "Step {n} of {total}")
T_NEXT = Text("下一步", "Next")
COLON = Text(":", ": ")
MENU_PAGE_SIZE = 6
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 3.0


def clear_layout(layout) -> None:
    """Delete every widget in a layout: old answers and names leave the widget tree."""
    while layout.count():
        item = layout.takeAt(0)
        if (widget := item.widget()) is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif (child := item.layout()) is not None:
            clear_layout(child)


def grid_of_buttons(buttons: list[QPushButton], columns: int, gap_px: int) -> QGridLayout:
    grid = QGridLayout()
    grid.setSpacing(gap_px)
    for index, button in enumerate(buttons):
        grid.addWidget(button, index // columns, index % columns)
    return grid


class NavBar(QFrame):
    """Always on a villager screen: 返回, 首页, 呼叫工作人员, and the voice controls.

    Signals: back, home, call_staff, repeat, volume, rate.
    """

    back = Signal()
    home = Signal()
    call_staff = Signal()
    repeat = Signal()
    volume = Signal()
    rate = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("navBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(6), theme.px(3), theme.px(6), theme.px(3))
        row.setSpacing(theme.gap_px)
        self.back_button = big_button("", "nav_back")
        self.home_button = big_button("", "nav_home")
        self.call_button = big_button("", "nav_call_staff")
        self.repeat_button = big_button("", "nav_repeat", role="primary")
        self.volume_button = big_button("", "nav_volume")
        self.rate_button = big_button("", "nav_rate")
        for button, signal in (
            (self.back_button, self.back),
            (self.home_button, self.home),
            (self.call_button, self.call_staff),
            (self.repeat_button, self.repeat),
            (self.volume_button, self.volume),
            (self.rate_button, self.rate),
        ):
            button.clicked.connect(signal)
        for button in (self.back_button, self.home_button, self.call_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.repeat_button, self.volume_button, self.rate_button):
            row.addWidget(button)

    def retranslate(self, language: str, volume_level: int, rate_level: int) -> None:
        self.back_button.setText("◀ " + T_BACK(language))
        self.home_button.setText("⌂ " + T_HOME(language))
        self.call_button.setText("☎ " + T_CALL_STAFF(language))
        self.repeat_button.setText("♪ " + T_REPEAT(language))
        self.volume_button.setText(VOLUME_LEVELS[volume_level][0](language))
        self.rate_button.setText(RATE_LEVELS[rate_level][0](language))


class Screen(QWidget):
    """A page of the stack; `speech` is what the kiosk says when it appears."""

    def __init__(self, theme: Theme, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.theme = theme
        self.speech = Text("", "")
        self.can_go_back = False

    def margins(self, layout) -> None:
        t = self.theme
        layout.setContentsMargins(t.px(10), t.px(6), t.px(10), t.px(6))
        layout.setSpacing(t.px(4))


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
        languages.setSpacing(theme.gap_px)
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


class HomeScreen(Screen):
    """The service menu after the card is read: staff's services, in staff's order.

    Signals: service_chosen(str).
    """

    service_chosen = Signal(str)

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "homeScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.greeting = label("", "title", name="homeGreeting")
        self.prompt = label("")
        self.grid_holder = QVBoxLayout()
        pages = QHBoxLayout()
        pages.setSpacing(theme.gap_px)
        self.previous_page = big_button("", "menu_previous")
        self.next_page = big_button("", "menu_next")
        self.page_label = label("", wrap=False, name="menuPage")
        self.previous_page.clicked.connect(lambda: self._turn(-1))
        self.next_page.clicked.connect(lambda: self._turn(1))
        pages.addWidget(self.previous_page)
        pages.addStretch(1)
        pages.addWidget(self.page_label)
        pages.addStretch(1)
        pages.addWidget(self.next_page)
        layout.addWidget(self.greeting)
        layout.addWidget(self.prompt)
        layout.addLayout(self.grid_holder, 1)
        layout.addLayout(pages)
        self._services: list[ServiceModel] = []
        self._page = 0
        self._language = "zh"

    def render(self, session: Session, services: list[ServiceModel], language: str) -> None:
        identity = session.identity
        name = identity.masked_name() if identity else ""
        self.greeting.setText(Text("您好,{n}", "Hello, {n}").format(n=name)(language))
        prompt = Text("请选择要办理的业务。", "Please choose a service.", "請揀要辦嘅業務。")
        self.prompt.setText(prompt(language))
        self._services = services
        self._page = 0
        self._language = language
        self.speech = prompt
        self._show_page()

    def _turn(self, offset: int) -> None:
        self._page += offset
        self._show_page()

    def _show_page(self) -> None:
        language = self._language
        clear_layout(self.grid_holder)
        pages = max(1, -(-len(self._services) // MENU_PAGE_SIZE))
        self._page = max(0, min(self._page, pages - 1))
        start = self._page * MENU_PAGE_SIZE
        buttons = []
        for service in self._services[start : start + MENU_PAGE_SIZE]:
            button = big_button(
                f"{service.title.text()(language)}\n{service.summary.text()(language)}",
                f"service_{service.id}",
            )
            button.setProperty("serviceId", service.id)
            button.clicked.connect(lambda _=False, s=service.id: self.service_chosen.emit(s))
            buttons.append(button)
        self.grid_holder.addLayout(grid_of_buttons(buttons, 2, self.theme.gap_px))
        self.grid_holder.addStretch(1)
        self.previous_page.setText("◀ " + Text("上一页", "Previous")(language))
        self.next_page.setText(Text("下一页", "More")(language) + " ▶")
        self.page_label.setText(
            Text("第 {p} 页 / 共 {n} 页", "Page {p} of {n}").format(p=self._page + 1, n=pages)(
                language
            )
        )
        for widget in (self.previous_page, self.next_page, self.page_label):
            widget.setVisible(pages > 1)
        self.previous_page.setEnabled(self._page > 0)
        self.next_page.setEnabled(self._page < pages - 1)

    def menu_ids(self) -> list[str]:
        """Service ids in the order shown, across all pages (tests, staff preview)."""
        return [s.id for s in self._services]

    def wipe(self) -> None:
        self.greeting.clear()
        clear_layout(self.grid_holder)


class StepScreen(Screen):
    """Renders whatever step a `FlowRun` is at, generically by its kind.

    Signals:
        answered(object): the villager's answer to the current step.
        submit_requested: review confirmed.
    """

    answered = Signal(object)
    submit_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "stepScreen")
        self.can_go_back = True
        outer = QVBoxLayout(self)
        self.margins(outer)
        header = QHBoxLayout()
        self.service_title = label("", "muted")
        self.step_indicator = label("", "title", wrap=False, name="stepIndicator")
        header.addWidget(self.service_title, 1)
        header.addWidget(self.step_indicator)
        outer.addLayout(header)
        self.title = label("", "title", name="stepTitle")
        self.prompt = label("", name="stepPrompt")
        outer.addWidget(self.title)
        outer.addWidget(self.prompt)
        self.content = QVBoxLayout()
        self.content.setSpacing(theme.gap_px)
        outer.addLayout(self.content, 1)
        self.problem = label("", "problem", name="stepProblem")
        outer.addWidget(self.problem)
        self.actions = QHBoxLayout()
        self.actions.setSpacing(theme.gap_px)
        outer.addLayout(self.actions)
        self.keypad: Keypad | None = None
        self.run: FlowRun | None = None

    def wipe(self) -> None:
        for widget in (self.title, self.prompt, self.problem, self.service_title):
            widget.clear()
        self.step_indicator.clear()
        clear_layout(self.content)
        clear_layout(self.actions)
        self.keypad = None
        self.run = None

    def show_problem(self, message: Text, language: str) -> None:
        self.problem.setText("⚠ " + message(language))

    def set_busy(self, busy_text: Text, language: str) -> None:
        for index in range(self.actions.count()):
            if (widget := self.actions.itemAt(index).widget()) is not None:
                widget.setEnabled(False)
        self.problem.setText(busy_text(language))

    def render(self, run: FlowRun, language: str) -> None:
        self.wipe()
        self.run = run
        step = run.current
        self.service_title.setText(run.service.title.text()(language))
        self.step_indicator.setText(
            T_STEP.format(n=run.step_number, total=run.step_count)(language)
        )
        self.title.setText(step.title.text()(language))
        self.prompt.setText(step.prompt.text()(language))
        self.speech = step.speech.text()
        if isinstance(step, InfoStep):
            self._render_info(step, language)
        elif isinstance(step, IdentityConfirmStep):
            self._render_identity(run, language)
        elif isinstance(step, ConfirmStep):
            self._add_pair(Text("✖ 不确认", "✖ I do not"), Text("✔ 确认", "✔ I confirm"), language)
        elif isinstance(step, YesNoStep):
            self._add_pair(Text("✖ 否", "✖ No"), Text("✔ 是", "✔ Yes"), language)
        elif isinstance(step, ChoiceStep):
            self._render_choice(run, step, language)
        elif isinstance(step, KeypadStep):
            self._render_keypad(run, step, language)
        elif isinstance(step, DateStep):
            self._render_date(run, step, language)
        elif isinstance(step, PhrasesStep):
            self._render_phrases(run, step, language)
        elif isinstance(step, ReviewStep):
            self._render_review(run, language)

    def _next_button(self, language: str, caption: Text = T_NEXT) -> QPushButton:
        button = big_button(caption(language) + " ▶", "answer_next", role="primary")
        self.actions.addStretch(1)
        self.actions.addWidget(button)
        return button

    def _add_pair(self, no: Text, yes: Text, language: str) -> None:
        no_button = big_button(no(language), "answer_no")
        no_button.clicked.connect(lambda: self.answered.emit(False))
        yes_button = big_button(yes(language), "answer_yes", role="primary")
        yes_button.clicked.connect(lambda: self.answered.emit(True))
        self.actions.addStretch(1)
        self.actions.addWidget(no_button)
        self.actions.addWidget(yes_button)

    def _render_info(self, step: InfoStep, language: str) -> None:
        for line in step.lines:
            self.content.addWidget(label("• " + line.text()(language), name="infoLine"))
        self.content.addStretch(1)
        button = self._next_button(language, Text("我知道了,继续", "Got it, continue"))
        button.clicked.connect(lambda: self.answered.emit(None))

    def _render_identity(self, run: FlowRun, language: str) -> None:
        identity = run.session.identity
        if identity is not None:
            self.content.addWidget(
                label(
                    Text("姓名:{name}", "Name: {name}").format(name=identity.name)(language),
                    "huge",
                    name="greeting",
                )
            )
            self.content.addWidget(
                label(
                    Text("身份证号:{id}", "ID number: {id}").format(id=identity.masked_id())(
                        language
                    ),
                    name="maskedId",
                )
            )
        self.content.addStretch(1)
        self._add_pair(
            Text("✖ 不是我", "✖ Not me"), Text("✔ 是我本人", "✔ Yes, it is me"), language
        )

    def _render_choice(self, run: FlowRun, step: ChoiceStep, language: str) -> None:
        previous = run.session.answers.get(step.field)
        buttons = []
        for option in step.options:
            role = "primary" if option.value == previous else "secondary"
            button = big_button(option.label.text()(language), f"option_{option.value}", role)
            button.clicked.connect(lambda _=False, v=option.value: self.answered.emit(v))
            buttons.append(button)
        self.content.addLayout(grid_of_buttons(buttons, 2, self.theme.gap_px))
        self.content.addStretch(1)

    def _render_date(self, run: FlowRun, step: DateStep, language: str) -> None:
        buttons = []
        for day in offered_dates(step, run.today):
            iso = day.isoformat()
            button = big_button(date_text(day)(language), f"date_{iso}")
            button.clicked.connect(lambda _=False, d=iso: self.answered.emit(d))
            buttons.append(button)
        self.content.addLayout(grid_of_buttons(buttons, 3, self.theme.gap_px))
        self.content.addStretch(1)

    def _render_phrases(self, run: FlowRun, step: PhrasesStep, language: str) -> None:
        previous = run.session.answers.get(step.field) or []
        chips: list[QPushButton] = []
        next_button = self._next_button(language)

        def update() -> None:
            chosen = sum(chip.isChecked() for chip in chips)
            next_button.setEnabled(step.min_selected <= chosen <= step.max_selected)
            for chip in chips:  # past the maximum, the others wait until one is untapped
                chip.setEnabled(chip.isChecked() or chosen < step.max_selected)
                # A tick as well as the colour: colour is never the only cue.
                mark = "✔ " if chip.isChecked() else ""
                chip.setText(mark + chip.property("caption"))

        for phrase in step.phrases:
            chip = big_button(phrase.label.text()(language), f"phrase_{phrase.value}")
            chip.setProperty("caption", phrase.label.text()(language))
            chip.setCheckable(True)
            chip.setChecked(phrase.value in previous)
            chip.setProperty("phraseValue", phrase.value)
            chip.toggled.connect(update)
            chips.append(chip)
        self.content.addLayout(grid_of_buttons(chips, 2, self.theme.gap_px))
        self.content.addStretch(1)
        next_button.clicked.connect(
            lambda: self.answered.emit([c.property("phraseValue") for c in chips if c.isChecked()])
        )
        update()

    def _render_keypad(self, run: FlowRun, step: KeypadStep, language: str) -> None:
        length = keypad_length(step)
        row = QHBoxLayout()
        row.setSpacing(self.theme.gap_px)
        display = label("", "huge", wrap=False, name="keypadDisplay")
        display.setMinimumWidth(self.theme.px(110))
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.Box)
        frame_layout = QVBoxLayout(frame)
        frame_layout.addWidget(display)
        keypad = Keypad(max_digits=length, gap_px=self.theme.gap_px)
        keypad.setObjectName("keypad")
        keypad.retranslate(language)
        self.keypad = keypad
        row.addWidget(frame, 1, Qt.AlignmentFlag.AlignTop)
        row.addWidget(keypad, 1)
        self.content.addLayout(row)
        next_button = self._next_button(language)
        next_button.setEnabled(False)

        def on_change(digits: str) -> None:
            if step.format == "amount":
                display.setText(f"{digits} 元" if language == "zh" and digits else digits)
                ready = bool(digits)
            elif step.format == "mobile":
                display.setText(" ".join([digits[:3], digits[3:7], digits[7:]]).strip())
                ready = len(digits) == length
            else:
                display.setText(" ".join(digits[i : i + 4] for i in range(0, len(digits), 4)))
                ready = len(digits) == length
            next_button.setEnabled(ready)
            self.problem.clear()

        keypad.changed.connect(on_change)
        previous = run.session.answers.get(step.field)
        if isinstance(previous, str):
            keypad.set_digits(previous)
        next_button.clicked.connect(lambda: self.answered.emit(keypad.digits))

    def _render_review(self, run: FlowRun, language: str) -> None:
        for caption, value in run.summary():
            self.content.addWidget(
                label(f"{caption(language)}{COLON(language)}{value(language)}", name="summaryLine")
            )
        self.content.addStretch(1)
        if run.service.action == "submit":
            caption = Text("✔ 确认提交", "✔ Submit")
        else:
            caption = Text("开始查询", "Search")
        submit = big_button(caption(language), "submit", role="primary")
        submit.clicked.connect(self.submit_requested)
        self.actions.addStretch(1)
        self.actions.addWidget(submit)


class ReceiptScreen(Screen):
    """Signals:
    done: the villager tapped 完成.
    print_requested: 打印回执.
    """

    done = Signal()
    print_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "receiptScreen")
        layout = QHBoxLayout(self)
        self.margins(layout)
        text_column = QVBoxLayout()
        self.heading = label("", "huge", name="receiptHeading")
        self.service = label("", "title")
        self.tracking = label("", "title", name="trackingNumber")
        self.next_steps = label("", name="nextSteps")
        self.sync_state = label("", "success", name="syncState")
        self.take_card = label("", "title")
        buttons = QHBoxLayout()
        buttons.setSpacing(theme.gap_px)
        self.print_button = big_button("", "receipt_print")
        self.print_button.clicked.connect(self.print_requested)
        self.done_button = big_button("", "receipt_done", role="primary")
        self.done_button.clicked.connect(self.done)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
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
        text_column.addLayout(buttons)
        layout.addLayout(text_column, 3)
        qr_column = QVBoxLayout()
        self.qr = QrCodeWidget(theme.px(60))
        self.qr.setObjectName("receiptQr")
        self.qr_caption = label("", "muted")
        qr_column.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_column.addWidget(self.qr_caption)
        qr_column.addStretch(1)
        layout.addLayout(qr_column, 2)
        self.receipt: Receipt | None = None

    def render(self, receipt: Receipt, language: str) -> None:
        self.receipt = receipt
        heading = Text("✔ 已提交", "✔ Submitted")
        if receipt.training:  # kiosk simulate --training: never mistaken for a real one
            heading = Text("✔ 已提交(培训,非正式办件)", "✔ Submitted (TRAINING, not real)")
        self.heading.setText(heading(language))
        self.service.setText(receipt.service_title(language))
        self.tracking.setText(
            Text("办件编号:{n}", "Tracking number: {n}").format(n=receipt.grouped_tracking_number)(
                language
            )
        )
        self.next_steps.setText(receipt.next_steps(language))
        take_card = Text("请取走您的社保卡。", "Please take your card.")
        self.take_card.setText(take_card(language))
        self.print_button.setText(Text("打印回执", "Print receipt")(language))
        self.print_button.setEnabled(True)
        self.done_button.setText(Text("完成", "Done")(language))
        self.qr.set_data(receipt.status_url)
        self.qr_caption.setText(
            Text("用手机扫码查询办理进度", "Scan with a phone to follow progress")(language)
        )
        spoken_number = ",".join(
            receipt.tracking_number[i : i + 4] for i in range(0, len(receipt.tracking_number), 4)
        )
        self.speech = (
            heading
            + Text("办件编号:{n}。", "Tracking number: {n}.").format(n=spoken_number)
            + receipt.next_steps
            + take_card
        )
        self.show_sync_state("pending", language)

    def show_sync_state(self, state: str | None, language: str) -> None:
        if state == "sent":
            text = Text(
                "✔ 已上报到政务服务平台。", "✔ Delivered to the government service platform."
            )
        else:
            text = Text(
                "✔ 已安全保存在本机,联网后自动上报。",
                "✔ Saved safely on this terminal; it will be sent automatically.",
            )
        self.sync_state.setText(text(language))

    def show_print_result(self, message: Text, language: str) -> None:
        self.print_button.setEnabled(False)
        self.print_button.setText(message(language))

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


class ResultScreen(Screen):
    """The answer of a look-up service (进度查询, 免申即享). Signals: done."""

    done = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "resultScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.heading = label("", "huge", name="resultHeading")
        self.lines = QVBoxLayout()
        self.lines.setSpacing(theme.px(3))
        self.done_button = big_button("", "result_done", role="primary")
        self.done_button.clicked.connect(self.done)
        layout.addWidget(self.heading)
        layout.addLayout(self.lines)
        layout.addStretch(1)
        layout.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignLeft)

    def render(self, heading: Text, lines: list[Text], language: str) -> None:
        self.wipe()
        self.heading.setText(heading(language))
        for line in lines:
            self.lines.addWidget(label(line(language), name="resultLine"))
        self.done_button.setText(Text("完成", "Done")(language))
        self.speech = heading
        for line in lines:
            self.speech = self.speech + line

    def wipe(self) -> None:
        self.heading.clear()
        clear_layout(self.lines)


class RatingScreen(Screen):
    """好差评: five levels, optional reason chips, then submit or skip.

    Signals: rated(int, list), skipped.
    """

    rated = Signal(int, list)
    skipped = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "ratingScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.heading = label("", "title")
        self.levels = QHBoxLayout()
        self.levels.setSpacing(theme.gap_px)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.level_buttons: dict[int, QPushButton] = {}
        for value, _ in rating.LEVELS:
            button = big_button("", f"rating_{value}")
            button.setCheckable(True)
            self.group.addButton(button, value)
            self.levels.addWidget(button)
            self.level_buttons[value] = button
        self.group.idClicked.connect(self._level_chosen)
        self.reasons_caption = label("", "muted")
        self.reasons = QVBoxLayout()
        buttons = QHBoxLayout()
        buttons.setSpacing(theme.gap_px)
        self.skip_button = big_button("", "rating_skip")
        self.skip_button.clicked.connect(self.skipped)
        self.submit_button = big_button("", "rating_submit", role="primary")
        self.submit_button.clicked.connect(self._submit)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.submit_button)
        layout.addWidget(self.heading)
        layout.addLayout(self.levels)
        layout.addWidget(self.reasons_caption)
        layout.addLayout(self.reasons, 1)
        layout.addLayout(buttons)
        self._chips: list[QPushButton] = []
        self._language = "zh"

    def render(self, language: str) -> None:
        self._language = language
        prompt = Text(
            "请为本次服务评价(可跳过)。",
            "How was this service? (You may skip.)",
            "請為今次服務評價,可以跳過。",
        )
        self.heading.setText(prompt(language))
        self.speech = prompt
        self.group.setExclusive(False)
        for value, caption in rating.LEVELS:
            self.level_buttons[value].setText(caption(language))
            self.level_buttons[value].setChecked(False)
        self.group.setExclusive(True)
        self.skip_button.setText(Text("跳过", "Skip")(language))
        self.submit_button.setText(Text("提交评价", "Send rating")(language))
        self.submit_button.setEnabled(False)
        self.reasons_caption.clear()
        clear_layout(self.reasons)
        self._chips = []

    def _level_chosen(self, level: int) -> None:
        language = self._language
        clear_layout(self.reasons)
        self.reasons_caption.setText(
            Text("原因(可选,可多选):", "Why? (optional, any number):")(language)
        )
        self._chips = []
        for key, caption in rating.reasons_for(level):
            chip = big_button(caption(language), f"reason_{key}")
            chip.setCheckable(True)
            chip.setProperty("reason", key)
            self._chips.append(chip)
        self.reasons.addLayout(grid_of_buttons(self._chips, 3, self.theme.gap_px))
        self.reasons.addStretch(1)
        self.submit_button.setEnabled(True)

    def _submit(self) -> None:
        level = self.group.checkedId()
        if level > 0:
            reasons = [c.property("reason") for c in self._chips if c.isChecked()]
            self.rated.emit(level, reasons)


class MessageScreen(Screen):
    """A short plain message and one button. Signals: acknowledged."""

    acknowledged = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "messageScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        layout.addStretch(1)
        self.message = label("", "title", name="messageText")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.detail = label("", "staff", name="messageDetail")
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
        self.speech = message

    def wipe(self) -> None:
        self.message.clear()
        self.detail.clear()


class IdleScreen(Screen):
    """您还在吗? A countdown with one big button; at zero the session is wiped.

    Signals: resumed.
    """

    resumed = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "idleScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        layout.addStretch(1)
        self.question = label("", "huge", name="idleQuestion")
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown = label("", "title", name="idleCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resume_button = big_button("", "idle_resume", role="primary")
        self.resume_button.setMinimumHeight(theme.px(25))
        self.resume_button.clicked.connect(self.resumed)
        layout.addWidget(self.question)
        layout.addWidget(self.countdown)
        layout.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def render(self, seconds_left: int, language: str) -> None:
        question = Text("您还在办理吗?", "Are you still there?", "你仲喺度辦緊嗎?")
        self.question.setText(question(language))
        self.resume_button.setText(Text("继续办理", "Continue")(language))
        self.show_seconds(seconds_left, language)
        self.speech = question + Text(
            "如需继续,请按“继续办理”。", "To go on, press Continue.", "想繼續就撳「繼續辦理」。"
        )

    def show_seconds(self, seconds_left: int, language: str) -> None:
        self.countdown.setText(
            Text(
                "{s} 秒后将退出并清除您的信息。",
                "In {s} seconds this will close and clear your details.",
            ).format(s=seconds_left)(language)
        )


class VerifierScreen(Screen):
    """验码: one huge status, readable from across the room; word and icon, not colour alone."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "verifierScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.heading = label("", "title")
        self.status = label("", "huge", name="verifierStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setMinimumHeight(theme.px(60))
        self.holder = label("", "title", name="verifierHolder")
        self.holder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heading)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(self.holder)
        layout.addStretch(1)

    def show_waiting(self, language: str) -> None:
        self.heading.setText(Text("验码 · 请刷卡", "Verifier · insert a card")(language))
        self.status.setProperty("textStyle", "huge")
        self.status.setText(Text("请插卡或刷卡", "Insert or tap a card")(language))
        self.status.style().polish(self.status)
        self.holder.clear()
        self.speech = Text("请插卡或刷卡。", "Please insert or tap a card.")

    def show_result(self, valid: bool, message: Text, holder: str, language: str) -> None:
        self.status.setProperty("textStyle", "valid" if valid else "invalid")
        self.status.style().polish(self.status)
        self.status.setText(message(language))
        self.holder.setText(holder)
        self.speech = message


__all__ = [
    "AttractScreen",
    "HomeScreen",
    "IdleScreen",
    "MessageScreen",
    "NavBar",
    "QLabel",
    "RatingScreen",
    "ReceiptScreen",
    "ResultScreen",
    "StepScreen",
    "VerifierScreen",
]
