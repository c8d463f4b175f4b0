"""Adding a step kind (issue 11): one core place, one screen place.

`counter` below exists only in this module. It is registered once in the core
(`kiosk.step_kinds.register`: catalog model, validation, display value) and once on the
screen (`ui.screens.step_renderers.register_renderer`), and from there the catalog accepts
it, `FlowRun` validates and summarises it and the real `StepScreen` draws it. The fixture
unregisters both, so no other test sees it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from pydantic import Field
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from drivers.identity import Identity
from kiosk import catalog, step_kinds
from kiosk.catalog import AnswerStep, CatalogError, TextModel, parse_catalog
from kiosk.flow import FlowRun, InvalidAnswer
from kiosk.session import Session
from kiosk.step_kinds import StepKind
from kiosk.text import Text
from ui.screens import step_renderers
from ui.screens.step import StepScreen
from ui.theme import Theme
from ui.widgets import big_button, label

# -- the test-only kind: its core half ---------------------------------------------------


class CounterStep(AnswerStep):
    """How many of something, counted up and down with two buttons."""

    kind: Literal["counter"]
    unit: TextModel
    max_count: int = Field(default=9, ge=1, le=99)


def counted(step: CounterStep, value: object, run: FlowRun) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= step.max_count:
        raise InvalidAnswer(Text(f"请选 1 到 {step.max_count}。", f"Pick 1 to {step.max_count}."))
    return value


def count_shown(step: CounterStep, value: object) -> Text:
    return Text(f"{value} {step.unit.zh}", f"{value} {step.unit.en}")


COUNTER = StepKind(CounterStep, counted, count_shown)

# -- its screen half ----------------------------------------------------------------------


def render_counter(screen: StepScreen, run: FlowRun, step: CounterStep, language: str) -> None:
    count = [run.session.answers.get(step.field, 1)]
    shown = label(str(count[0]), "huge", name="counterValue")
    more = big_button("+", "counter_more")
    screen.content.addWidget(shown)
    screen.content.addWidget(more)

    def add_one() -> None:
        count[0] = min(count[0] + 1, step.max_count)
        shown.setText(str(count[0]))

    more.clicked.connect(add_one)
    screen.next_button(language).clicked.connect(lambda: screen.answered.emit(count[0]))


@pytest.fixture
def counter_kind():
    """`counter` registered in its one core and one screen place, for this test only."""
    step_kinds.register(COUNTER)
    step_renderers.register_renderer("counter", render_counter)
    try:
        yield COUNTER
    finally:
        step_renderers.unregister_renderer("counter")
        step_kinds.unregister("counter")


# -- a catalog using it -------------------------------------------------------------------


def text(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


def step(kind: str, step_id: str, **more) -> dict:
    title = text(f"{step_id} 标题", f"{step_id} title")
    return {"id": step_id, "kind": kind, "title": title, "prompt": title, "speech": title} | more


COUNTER_STEP = step(
    "counter",
    "people",
    field="household_size",
    summary_label=text("家庭人数", "Household size"),
    unit=text("人", "people"),
    max_count=4,
)
CATALOG = {
    "catalog_version": 1,
    "services": [
        {
            "id": "household_count",
            "title": text("家庭人数登记", "Household size"),
            "summary": text("登记家里住几个人", "Say how many live at home"),
            "pictogram": "info",
            "next_steps": text("登记完成。", "Registered."),
            "steps": [COUNTER_STEP, step("review", "review")],
        }
    ],
}
ELDER = Identity(
    name="陈秀英", id_number="440102194403152424", sex="2", birth_date=dt.date(1944, 3, 15)
)


def new_run() -> FlowRun:
    service = parse_catalog(CATALOG).services[0]
    return FlowRun(service, Session(identity=ELDER, reader="r0"), dt.date(2026, 11, 20))


# -- the tests ----------------------------------------------------------------------------


def test_a_registered_kind_is_validated_and_shown_in_the_summary(counter_kind):
    run = new_run()
    assert isinstance(run.current, CounterStep) and run.current.max_count == 4
    for bad in (0, 5, "3", True, None):
        with pytest.raises(InvalidAnswer):
            run.answer(bad)
    assert run.current.id == "people"
    run.answer(3)
    assert run.at_review and run.answers() == {"household_size": 3}
    assert [(c.en, v.en) for c, v in run.summary()] == [("Household size", "3 people")]


def test_a_registered_kind_is_drawn_on_the_real_step_screen(counter_kind, qtbot):
    screen = StepScreen(Theme())
    qtbot.addWidget(screen)
    run = new_run()
    screen.render(run, "zh")
    screen.show()
    qtbot.waitExposed(screen)
    more = screen.findChild(QPushButton, "counter_more")
    for _ in range(2):
        qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    assert screen.findChild(QLabel, "counterValue").text() == "3"
    with qtbot.waitSignal(screen.answered) as answered:
        qtbot.mouseClick(screen.findChild(QPushButton, "answer_next"), Qt.MouseButton.LeftButton)
    assert answered.args == [3]

    run.answer(answered.args[0])
    screen.render(run, "zh")
    lines = [w.text() for w in screen.findChildren(QLabel, "summaryLine")]
    assert lines == ["家庭人数:3 人"]


def test_an_unregistered_kind_is_refused_by_the_catalog_with_its_place_and_the_known_kinds():
    assert "counter" not in step_kinds.names()
    with pytest.raises(CatalogError) as refused:
        parse_catalog(CATALOG)
    (problem,) = refused.value.problems
    assert problem.startswith("services[0] (household_count).steps[0] (people): ")
    assert "'counter'" in problem and "'phrases'" in problem  # the kind and the known ones


def test_unregistering_leaves_the_catalog_as_it_was(counter_kind):
    shipped = {name: model for name, model in catalog.step_models().items() if name != "counter"}
    assert parse_catalog(CATALOG)
    step_kinds.unregister("counter")
    assert catalog.step_models() == shipped
    with pytest.raises(CatalogError):
        parse_catalog(CATALOG)
    step_kinds.register(COUNTER)  # as the fixture expects to find it


def test_a_kind_known_to_the_core_but_not_the_screen_is_named_not_drawn_blank(qtbot):
    step_kinds.register(COUNTER)
    try:
        screen = StepScreen(Theme())
        qtbot.addWidget(screen)
        with pytest.raises(LookupError, match="no renderer for step kind 'counter'"):
            screen.render(new_run(), "zh")
    finally:
        step_kinds.unregister("counter")


def test_a_kind_is_registered_once(counter_kind):
    with pytest.raises(ValueError, match="already registered"):
        step_kinds.register(COUNTER)
    with pytest.raises(ValueError, match="already has a renderer"):
        step_renderers.register_renderer("counter", render_counter)


def test_the_catalog_the_flow_and_the_screen_know_the_same_kinds():
    # The catalog's union is seeded with the shipped models (it validates without the
    # flow loaded); every one of them has its behaviour and its renderer.
    models = catalog.step_models()
    assert step_kinds.names() == tuple(models)
    assert set(step_renderers.renderer_kinds()) == set(models)
    assert all(step_kinds.lookup(name).model is model for name, model in models.items())
