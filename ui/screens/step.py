"""One step of a service, rendered by its kind; one question per screen."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
)

from kiosk.catalog import (
    ChoiceStep,
    ConfirmStep,
    DateStep,
    IdentityConfirmStep,
    InfoStep,
    KeypadStep,
    PhrasesStep,
    ReviewStep,
    YesNoStep,
)
from kiosk.flow import FlowRun, date_text, keypad_length, offered_dates
from kiosk.text import Text
from kiosk.tracking import group_digits
from ui.screens.base import (
    COLON,
    T_NEXT,
    T_STEP,
    Screen,
    clear_layout,
    grid_of_buttons,
)
from ui.theme import Theme
from ui.widgets import Keypad, big_button, label


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
                display.setText(group_digits(digits))
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
