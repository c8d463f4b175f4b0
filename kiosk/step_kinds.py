"""Step kinds: each declared once, with its catalog model, its validation and its display.

A kind is a `StepKind` registered here (issue 11): `register` makes the catalog accept its
model (the step union is built from the registered models) and `FlowRun` validate and show
its answers through it. Its screen is a renderer registered in `ui/screens/step_renderers.py`;
nothing else needs to know the kind. Headless: never imports Qt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from drivers.identity import mask_phone
from kiosk import catalog
from kiosk.catalog import (
    ChoiceStep,
    ConfirmStep,
    DateStep,
    IdentityConfirmStep,
    InfoStep,
    KeypadStep,
    PhrasesStep,
    ReviewStep,
    StepBase,
    YesNoStep,
)
from kiosk.text import Text
from kiosk.tracking import group_digits, luhn_valid

if TYPE_CHECKING:
    from kiosk.flow import FlowRun


# Why an answer was refused, as the usage log records it (never the answer itself).
VALIDATION_CODES = (
    "invalid",
    "not_yes_or_no",
    "not_an_option",
    "bad_mobile",
    "bad_tracking_number",
    "amount_out_of_range",
    "not_an_offered_day",
    "not_in_list",
    "wrong_count",
    "press_submit",
)


class InvalidAnswer(Exception):
    """The answer cannot be taken; the villager stays on the step and reads `message`.
    `code` (one of VALIDATION_CODES) says why, for the usage log."""

    def __init__(self, message: Text, code: str = "invalid") -> None:
        super().__init__(message.en)
        self.message = message
        self.code = code


class FlowDeclined(Exception):
    """The villager said no to something the service cannot go on without."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


S = TypeVar("S", bound=StepBase)


def plain_text(_step: Any, value: object) -> Text:
    return Text(str(value), str(value))


@dataclass(frozen=True)
class StepKind(Generic[S]):
    """One kind of step. `validate(step, value, run)` returns the value to record or raises
    InvalidAnswer (FlowDeclined when saying no ends the service); `display(step, value)`
    is the answer as the review shows it, private data masked."""

    model: type[S]
    validate: Callable[[S, object, FlowRun], object]
    display: Callable[[S, object], Text] = plain_text

    @property
    def name(self) -> str:
        return catalog.step_kind_of(self.model)


_KINDS: dict[str, StepKind[Any]] = {}


def register(kind: StepKind[Any]) -> None:
    """Make `kind` known to the catalog and the flow; a name is registered once."""
    name = kind.name
    if name in _KINDS:
        raise ValueError(f"step kind '{name}' is already registered")
    known = catalog.step_models().get(name)
    if known is not None and known is not kind.model:
        raise ValueError(f"step kind '{name}' already has the model {known.__name__}")
    if known is None:  # the shipped kinds are in the catalog's table from the start
        catalog.use_step_model(name, kind.model)  # raises, changing nothing, if unbuildable
    _KINDS[name] = kind


def unregister(name: str) -> None:
    """Forget a kind (a test's own); catalogs using it no longer validate."""
    if _KINDS.pop(name, None) is not None:
        catalog.use_step_model(name, None)


def lookup(name: str) -> StepKind[Any] | None:
    return _KINDS.get(name)


def names() -> tuple[str, ...]:
    return tuple(_KINDS)


# -- texts of days and amounts (the date and keypad kinds, and rule refusals) -------------

WEEKDAYS = (
    Text("星期一", "Monday"),
    Text("星期二", "Tuesday"),
    Text("星期三", "Wednesday"),
    Text("星期四", "Thursday"),
    Text("星期五", "Friday"),
    Text("星期六", "Saturday"),
    Text("星期日", "Sunday"),
)
MONTHS_EN = "January February March April May June July August September October November December"


def date_text(day: dt.date) -> Text:
    month_en = MONTHS_EN.split()[day.month - 1]
    weekday = WEEKDAYS[day.weekday()]
    return Text(f"{day.month}月{day.day}日 {weekday.zh}", f"{weekday.en}, {day.day} {month_en}")


def full_date_text(day: dt.date) -> Text:
    month_en = MONTHS_EN.split()[day.month - 1]
    return Text(f"{day.year}年{day.month}月{day.day}日", f"{day.day} {month_en} {day.year}")


def format_amount(value: str) -> Text:
    return Text(f"{int(value)} 元", f"{int(value)} yuan")


# -- the shipped kinds --------------------------------------------------------------------

YES, NO = Text("是", "Yes"), Text("否", "No")
CONFIRMED = Text("✔ 已确认", "✔ Confirmed")
MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")
TRACKING_PATTERN = re.compile(r"^[0-9]{15}$")


def _confirmed(step: IdentityConfirmStep | ConfirmStep, value: object, _run: FlowRun) -> bool:
    if value is not True:
        raise FlowDeclined(step.decline.text())
    return True


def _yes_or_no(_step: YesNoStep, value: object, _run: FlowRun) -> bool:
    if not isinstance(value, bool):
        raise InvalidAnswer(Text("请按“是”或“否”。", "Please press Yes or No."), "not_yes_or_no")
    return value


def _chosen(step: ChoiceStep, value: object, _run: FlowRun) -> object:
    if value not in {o.value for o in step.options}:
        raise InvalidAnswer(Text("请选择一项。", "Please choose one."), "not_an_option")
    return value


def _choice_label(step: ChoiceStep, value: object) -> Text:
    return next(o.label.text() for o in step.options if o.value == value)


def keypad_length(step: KeypadStep) -> int:
    if step.format == "mobile":
        return 11
    if step.format == "tracking_number":
        return 15
    return len(str(step.max_value or 99999))


def _digits(step: KeypadStep, value: object, _run: FlowRun) -> str:
    text = str(value)
    if step.format == "mobile" and not MOBILE_PATTERN.match(text):
        raise InvalidAnswer(
            Text(
                "请输入 11 位手机号码,以 1 开头。",
                "Please enter an 11-digit mobile number starting with 1.",
            ),
            "bad_mobile",
        )
    if step.format == "tracking_number" and not (TRACKING_PATTERN.match(text) and luhn_valid(text)):
        raise InvalidAnswer(
            Text(
                "办件编号有误,请对照回执上的 15 位数字重新输入。",
                "That tracking number is not right. Please check the 15 digits on your receipt.",
            ),
            "bad_tracking_number",
        )
    if step.format == "amount":
        low, high = step.min_value or 0, step.max_value or 0
        if not text.isdigit() or not low <= int(text) <= high:
            raise InvalidAnswer(
                Text(
                    f"请输入 {low} 到 {high} 之间的金额(元)。",
                    f"Please enter an amount from {low} to {high} yuan.",
                ),
                "amount_out_of_range",
            )
        return str(int(text))
    return text


def _digits_shown(step: KeypadStep, value: object) -> Text:
    if step.format == "mobile":
        return Text(mask_phone(str(value)), mask_phone(str(value)))
    if step.format == "amount":
        return format_amount(str(value))
    return Text(group_digits(str(value)), group_digits(str(value)))


def offered_dates(step: DateStep, today: dt.date) -> list[dt.date]:
    """The days a date step offers as buttons: no typing, no calendar widget."""
    days: list[dt.date] = []
    day = today + dt.timedelta(days=step.first_day_offset)
    while len(days) < step.days:
        if not (step.skip_weekends and day.weekday() >= 5):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _day_shown(_step: DateStep, value: object) -> Text:
    return date_text(dt.date.fromisoformat(str(value)))


def _offered_day(step: DateStep, value: object, run: FlowRun) -> object:
    if value not in {d.isoformat() for d in offered_dates(step, run.today)}:
        raise InvalidAnswer(Text("请选择一个日期。", "Please choose a day."), "not_an_offered_day")
    return value


def _picked_phrases(step: PhrasesStep, value: object, _run: FlowRun) -> list[str]:
    chosen = list(value) if isinstance(value, list | tuple) else []
    known = [p.value for p in step.phrases]
    if any(c not in known for c in chosen) or len(set(chosen)) != len(chosen):
        raise InvalidAnswer(
            Text("请从列出的选项中选择。", "Please pick from the list."), "not_in_list"
        )
    if not step.min_selected <= len(chosen) <= step.max_selected:
        raise InvalidAnswer(
            Text(
                f"请选择 {step.min_selected} 到 {step.max_selected} 项。",
                f"Please pick {step.min_selected} to {step.max_selected}.",
            ),
            "wrong_count",
        )
    return sorted(chosen, key=known.index)


def _phrase_labels(step: PhrasesStep, value: Any) -> Text:
    labels = [p.label.text() for p in step.phrases if p.value in (value or [])]
    return Text.join(labels) if labels else Text("(未选)", "(none)")


def _not_an_answer(_step: ReviewStep, _value: object, _run: FlowRun) -> object:
    # The review is left by submitting (FlowRun's caller), never by an answer.
    raise InvalidAnswer(Text("请按“确认提交”。", "Please press Submit."), "press_submit")


for _kind in (
    StepKind(InfoStep, lambda _step, _value, _run: None),
    StepKind(IdentityConfirmStep, _confirmed),
    StepKind(ConfirmStep, _confirmed, lambda _step, _value: CONFIRMED),
    StepKind(YesNoStep, _yes_or_no, lambda _step, value: YES if value else NO),
    StepKind(ChoiceStep, _chosen, _choice_label),
    StepKind(KeypadStep, _digits, _digits_shown),
    StepKind(DateStep, _offered_day, _day_shown),
    StepKind(PhrasesStep, _picked_phrases, _phrase_labels),
    StepKind(ReviewStep, _not_an_answer),
):
    register(_kind)
