"""One step of a service, rendered by its kind; one question per screen.

The screen owns the frame (service, step count, title, prompt, problem line, actions);
what goes inside is drawn by the renderer registered for the step's kind
(`ui/screens/step_renderers.py`).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from kiosk.flow import FlowRun
from kiosk.text import Text
from ui import physical
from ui.pictograms import pixmap_for
from ui.screens.base import T_NEXT, T_STEP, Screen, clear_layout
from ui.screens.step_renderers import renderer_for
from ui.theme import Theme
from ui.widgets import Keypad, NoticeLabel, big_button, label


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
        outer = QVBoxLayout(self.scrolling_page())
        self.margins(outer)
        header = QHBoxLayout()
        physical.spacing(header, theme, 2)
        self.service_pictogram = QLabel()
        self.service_pictogram.setObjectName("servicePictogram")
        header.addWidget(self.service_pictogram)
        self.service_title = label("", "muted")
        self.step_indicator = label("", "muted", wrap=False, name="stepIndicator")
        header.addWidget(self.service_title, 1)
        header.addWidget(self.step_indicator)
        outer.addLayout(header)
        self.title = label("", "title", name="stepTitle")
        self.prompt = label("", name="stepPrompt")
        outer.addWidget(self.title)
        outer.addWidget(self.prompt)
        self.content = QVBoxLayout()
        physical.spacing(self.content, theme)
        outer.addLayout(self.content, 1)
        self.problem = NoticeLabel("problem", "stepProblem")
        outer.addWidget(self.problem)
        self.actions = QHBoxLayout()
        physical.spacing(self.actions, theme)
        outer.addLayout(self.actions)
        self.keypad: Keypad | None = None
        self.run: FlowRun | None = None

    def wipe(self) -> None:
        for widget in (
            self.title,
            self.prompt,
            self.problem,
            self.service_title,
            self.service_pictogram,
        ):
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
        step = run.current
        renderer = renderer_for(step.kind)
        if renderer is None:  # before wiping: a kind known to the core but not drawn here
            raise LookupError(
                f"no renderer for step kind '{step.kind}' (register one in "
                "ui/screens/step_renderers.py)"
            )
        self.wipe()
        self.run = run
        self.service_title.setText(run.service.title.text()(language))
        side = self.theme.px(10)
        self.service_pictogram.setPixmap(
            pixmap_for(run.service.pictogram, self.theme.palette.muted_text, side)
        )
        self.service_pictogram.setProperty("pictogramName", run.service.pictogram)
        self.step_indicator.setText(
            T_STEP.format(n=run.step_number, total=run.step_count)(language)
        )
        self.title.setText(step.title.text()(language))
        self.prompt.setText(step.prompt.text()(language))
        self.speech = step.speech.text()
        renderer(self, run, step, language)

    # -- for the renderers ----------------------------------------------------------------

    def next_button(
        self, language: str, caption: Text = T_NEXT, into: QBoxLayout | None = None
    ) -> QPushButton:
        """The primary "next" button, at the right of the actions or in `into`; the caller
        connects it."""
        button = big_button(caption(language) + " ▶", "answer_next", role="primary")
        if into is None:
            self.actions.addStretch(1)
            self.actions.addWidget(button)
        else:
            into.addWidget(button)
        return button

    def add_pair(self, no: Text, yes: Text, language: str) -> None:
        """A no/yes pair of buttons answering False / True."""
        no_button = big_button(no(language), "answer_no")
        no_button.clicked.connect(lambda: self.answered.emit(False))
        yes_button = big_button(yes(language), "answer_yes", role="primary")
        yes_button.clicked.connect(lambda: self.answered.emit(True))
        self.actions.addStretch(1)
        self.actions.addWidget(no_button)
        self.actions.addWidget(yes_button)
