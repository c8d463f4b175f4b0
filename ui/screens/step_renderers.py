"""How each step kind looks: one renderer per kind, registered by the kind's name.

The screen half of a step kind (issue 11); the core half (catalog model, validation,
display value) is its `StepKind` in `kiosk/step_kinds.py`. `StepScreen.render` fills the
header, title and prompt, then hands the content and action areas to the renderer of the
step's kind, which builds the widgets and emits `screen.answered(value)` with the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QFrame, QPushButton, QVBoxLayout

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
from kiosk.step_kinds import date_text, keypad_length, offered_dates
from kiosk.text import Text
from kiosk.tracking import group_digits
from ui import physical
from ui.screens.base import COLON, tiles
from ui.theme import FONT_FAMILIES
from ui.tile_layout import OrientedBox
from ui.widgets import Keypad, big_button, label

if TYPE_CHECKING:
    from kiosk.flow import FlowRun
    from ui.screens.step import StepScreen

# renderer(screen, run, step, language): fills screen.content and screen.actions.
Renderer = Callable[["StepScreen", "FlowRun", Any, str], None]

_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    """Show steps of `kind` with `renderer`; a kind has one renderer."""
    if kind in _RENDERERS:
        raise ValueError(f"step kind '{kind}' already has a renderer")
    _RENDERERS[kind] = renderer


def unregister_renderer(kind: str) -> None:
    _RENDERERS.pop(kind, None)


def renderer_for(kind: str) -> Renderer | None:
    return _RENDERERS.get(kind)


def renderer_kinds() -> tuple[str, ...]:
    return tuple(_RENDERERS)


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Decorator: `@renders("choice")` registers the function below it."""

    def decorate(renderer: Renderer) -> Renderer:
        register_renderer(kind, renderer)
        return renderer

    return decorate


# -- the shipped kinds --------------------------------------------------------------------


@renders("info")
def render_info(screen: StepScreen, run: FlowRun, step: InfoStep, language: str) -> None:
    for line in step.lines:
        screen.content.addWidget(label("• " + line.text()(language), name="infoLine"))
    screen.content.addStretch(1)
    button = screen.next_button(language, Text("我知道了,继续", "Got it, continue"))
    button.clicked.connect(lambda: screen.answered.emit(None))


@renders("identity_confirm")
def render_identity(
    screen: StepScreen, run: FlowRun, step: IdentityConfirmStep, language: str
) -> None:
    identity = run.session.identity
    if identity is not None:
        screen.content.addWidget(
            label(
                Text("姓名:{name}", "Name: {name}").format(name=identity.name)(language),
                "huge",
                name="greeting",
            )
        )
        screen.content.addWidget(
            label(
                Text("身份证号:{id}", "ID number: {id}").format(id=identity.masked_id())(language),
                name="maskedId",
            )
        )
    screen.content.addStretch(1)
    screen.add_pair(Text("✖ 不是我", "✖ Not me"), Text("✔ 是我本人", "✔ Yes, it is me"), language)


@renders("confirm")
def render_confirm(screen: StepScreen, run: FlowRun, step: ConfirmStep, language: str) -> None:
    screen.add_pair(Text("✖ 不确认", "✖ I do not"), Text("✔ 确认", "✔ I confirm"), language)


@renders("yes_no")
def render_yes_no(screen: StepScreen, run: FlowRun, step: YesNoStep, language: str) -> None:
    screen.add_pair(Text("✖ 否", "✖ No"), Text("✔ 是", "✔ Yes"), language)


@renders("choice")
def render_choice(screen: StepScreen, run: FlowRun, step: ChoiceStep, language: str) -> None:
    previous = run.session.answers.get(step.field)
    buttons = []
    for option in step.options:
        role = "primary" if option.value == previous else "secondary"
        button = big_button(option.label.text()(language), f"option_{option.value}", role)
        button.clicked.connect(lambda _=False, v=option.value: screen.answered.emit(v))
        buttons.append(button)
    tiles(buttons, screen.theme, 3, 80, into=screen.content)
    screen.content.addStretch(1)


@renders("date")
def render_date(screen: StepScreen, run: FlowRun, step: DateStep, language: str) -> None:
    buttons = []
    for day in offered_dates(step, run.today):
        iso = day.isoformat()
        button = big_button(date_text(day)(language), f"date_{iso}")
        button.clicked.connect(lambda _=False, d=iso: screen.answered.emit(d))
        buttons.append(button)
    tiles(buttons, screen.theme, 4, 60, into=screen.content)
    screen.content.addStretch(1)


@renders("phrases")
def render_phrases(screen: StepScreen, run: FlowRun, step: PhrasesStep, language: str) -> None:
    previous = run.session.answers.get(step.field) or []
    chips: list[QPushButton] = []
    next_button = screen.next_button(language)

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
    tiles(chips, screen.theme, 3, 70, into=screen.content)
    screen.content.addStretch(1)
    next_button.clicked.connect(
        lambda: screen.answered.emit([c.property("phraseValue") for c in chips if c.isChecked()])
    )
    update()


@renders("keypad")
def render_keypad(screen: StepScreen, run: FlowRun, step: KeypadStep, language: str) -> None:
    theme = screen.theme
    length = keypad_length(step)
    # The display and 下一步 beside the keypad on a landscape screen, above it on a
    # portrait one.
    row = physical.spacing(OrientedBox(), theme)
    column = physical.spacing(QVBoxLayout(), theme)
    display = label("", "title", wrap=False, name="keypadDisplay")
    widest = {"amount": "9" * length + " 元", "mobile": "000 0000 0000"}.get(
        step.format, group_digits("0" * length)
    )
    font = QFont()  # the display's, as the style sheet will give it
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(theme.title_px)
    font.setBold(True)
    display.setMinimumWidth(round(QFontMetricsF(font).horizontalAdvance(widest)) + 2)
    frame = QFrame()
    frame.setFrameShape(QFrame.Shape.Box)
    frame_layout = QVBoxLayout(frame)
    physical.margins(frame_layout, theme, 1, 1)
    frame_layout.addWidget(display)
    column.addWidget(frame)
    keypad = Keypad(max_digits=length, theme=theme)
    keypad.setObjectName("keypad")
    keypad.retranslate(language)
    screen.keypad = keypad
    next_button = screen.next_button(language, into=column)
    next_button.setEnabled(False)
    column.addStretch(1)
    row.addLayout(column, 1)
    row.addWidget(keypad, 1)
    screen.content.addLayout(row)

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
        screen.problem.clear()

    keypad.changed.connect(on_change)
    previous = run.session.answers.get(step.field)
    if isinstance(previous, str):
        keypad.set_digits(previous)
    next_button.clicked.connect(lambda: screen.answered.emit(keypad.digits))


@renders("review")
def render_review(screen: StepScreen, run: FlowRun, step: ReviewStep, language: str) -> None:
    lines = [
        label(f"{caption(language)}{COLON(language)}{value(language)}", name="summaryLine")
        for caption, value in run.summary()
    ]
    # Two columns where the screen is wide enough: a long review stays on one screen.
    tiles(lines, screen.theme, 2, 120, into=screen.content)
    screen.content.addStretch(1)
    if run.service.action == "submit":
        caption = Text("✔ 确认提交", "✔ Submit")
    else:
        caption = Text("开始查询", "Search")
    submit = big_button(caption(language), "submit", role="primary")
    submit.clicked.connect(screen.submit_requested)
    screen.actions.addStretch(1)
    screen.actions.addWidget(submit)
