"""The flow engine: walks one catalog service for one session, one question per screen.

Headless and Qt-free. `ui/` renders whatever step `FlowRun.current` is, generically by its
`kind`; every answer comes back through `FlowRun.answer`, which validates it, applies the
service's rules and moves on. Steps with `show_if` appear only when their condition holds.
"""

from __future__ import annotations

import datetime as dt
import re

from drivers.identity import Identity, mask_phone
from kiosk.catalog import (
    ChoiceStep,
    Condition,
    ConfirmStep,
    DateStep,
    IdentityConfirmStep,
    InfoStep,
    KeypadStep,
    PhrasesStep,
    PolicyModel,
    ReviewStep,
    Rule,
    ServiceModel,
    TextModel,
    YesNoStep,
)
from kiosk.session import Session
from kiosk.text import Text
from kiosk.tracking import group_digits, luhn_valid

Service = ServiceModel


class InvalidAnswer(Exception):
    """The answer cannot be taken; the villager stays on the step and reads `message`."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class FlowDeclined(Exception):
    """The villager said no to something the service cannot go on without."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class NotEligible(FlowDeclined):
    """A rule of the service does not hold; `message` says why and, if known, from when."""


MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")
TRACKING_PATTERN = re.compile(r"^[0-9]{15}$")
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
YES, NO = Text("是", "Yes"), Text("否", "No")
CONFIRMED = Text("✔ 已确认", "✔ Confirmed")


def date_text(day: dt.date) -> Text:
    month_en = MONTHS_EN.split()[day.month - 1]
    weekday = WEEKDAYS[day.weekday()]
    return Text(f"{day.month}月{day.day}日 {weekday.zh}", f"{weekday.en}, {day.day} {month_en}")


def full_date_text(day: dt.date) -> Text:
    month_en = MONTHS_EN.split()[day.month - 1]
    return Text(f"{day.year}年{day.month}月{day.day}日", f"{day.day} {month_en} {day.year}")


def offered_dates(step: DateStep, today: dt.date) -> list[dt.date]:
    """The days a date step offers as buttons: no typing, no calendar widget."""
    days: list[dt.date] = []
    day = today + dt.timedelta(days=step.first_day_offset)
    while len(days) < step.days:
        if not (step.skip_weekends and day.weekday() >= 5):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def keypad_length(step: KeypadStep) -> int:
    if step.format == "mobile":
        return 11
    if step.format == "tracking_number":
        return 15
    return len(str(step.max_value or 99999))


def format_amount(value: str) -> Text:
    return Text(f"{int(value)} 元", f"{int(value)} yuan")


# -- rules --------------------------------------------------------------------------------


def _field_value(name: str, identity: Identity | None, answers: dict, today: dt.date):
    if name == "identity.age":
        return identity.age_on(today) if identity else None
    if name == "identity.sex":
        return identity.sex if identity else None
    return answers.get(name.removeprefix("answers."))


def holds(condition: Condition, identity: Identity | None, answers: dict, today: dt.date) -> bool:
    value = _field_value(condition.field, identity, answers, today)
    if value is None:
        return False
    expected = condition.value
    try:
        match condition.op:
            case ">=":
                return value >= expected
            case "<=":
                return value <= expected
            case "==":
                return value == expected
            case "!=":
                return value != expected
            case "in":
                return value in expected
            case "not_in":
                return value not in expected
    except TypeError:
        return False  # a rule comparing unlike types never grants anything
    return False


def eligible_from(rule: Rule, identity: Identity) -> dt.date | None:
    """For a minimum-age rule: the birthday on which it will hold."""
    if rule.field != "identity.age" or rule.op != ">=" or not isinstance(rule.value, int):
        return None
    born = identity.birth_date
    year = born.year + rule.value
    try:
        return born.replace(year=year)
    except ValueError:  # born on 29 February
        return dt.date(year, 3, 1)


def refusal(rule: Rule, identity: Identity) -> Text:
    """The rule's message, with {eligible_from} filled in where the rule says when."""
    day = eligible_from(rule, identity)
    text = rule.refusal.text()
    if day is None:
        return text
    shown = full_date_text(day)
    return Text(
        text.zh.format(eligible_from=shown.zh),
        text.en.format(eligible_from=shown.en),
        text.yue.format(eligible_from=shown.zh) if text.yue else None,
    )


def check_eligibility(service: ServiceModel, identity: Identity, today: dt.date) -> None:
    """Raise NotEligible for the first identity rule that does not hold."""
    for rule in service.eligibility:
        if rule.field.startswith("identity.") and not holds(rule, identity, {}, today):
            raise NotEligible(refusal(rule, identity))


def matching_policies(
    policies: list[PolicyModel], identity: Identity, today: dt.date
) -> list[PolicyModel]:
    """Benefits the villager gets without applying (免申即享)."""
    return [p for p in policies if all(holds(r, identity, {}, today) for r in p.rules)]


# -- the run ------------------------------------------------------------------------------


def materials_step(service: ServiceModel) -> InfoStep:
    """一次性告知: every material the service needs, on one screen before anything else."""
    intro = TextModel(
        zh="办理本业务请准备以下材料,一次备齐:",
        en="For this service please have all of these ready:",
    )
    spoken = Text.join([m.text() for m in service.materials], ",", "; ")
    return InfoStep(
        kind="info",
        id="materials",
        title=TextModel(zh="需要准备的材料", en="What to bring"),
        prompt=intro,
        speech=TextModel(zh=intro.zh + spoken.zh, en=intro.en + " " + spoken.en),
        lines=list(service.materials),
    )


class FlowRun:
    """Position in a service for one session."""

    def __init__(
        self, service: ServiceModel, session: Session, today: dt.date | None = None
    ) -> None:
        self.service = service
        self.session = session
        self.today = today or dt.date.today()
        materials = [materials_step(service)] if service.materials else []
        self.steps = materials + list(service.steps)
        self.index = 0
        self._skip_hidden(forward=True)

    # -- where we are ---------------------------------------------------------------------

    def shown(self, step) -> bool:
        if step.show_if is None:
            return True
        return holds(step.show_if, self.session.identity, self.session.answers, self.today)

    @property
    def visible_steps(self) -> list:
        return [s for s in self.steps if self.shown(s)]

    @property
    def current(self):
        return self.steps[self.index]

    @property
    def step_number(self) -> int:
        return self.visible_steps.index(self.current) + 1

    @property
    def step_count(self) -> int:
        return len(self.visible_steps)

    @property
    def at_review(self) -> bool:
        return isinstance(self.current, ReviewStep)

    def _skip_hidden(self, forward: bool) -> None:
        direction = 1 if forward else -1
        while 0 <= self.index < len(self.steps) and not self.shown(self.current):
            self.index += direction
        self.index = max(0, min(self.index, len(self.steps) - 1))

    # -- answering ------------------------------------------------------------------------

    def answer(self, value: object) -> None:
        """Validate and record the answer to the current step, then move on."""
        if self.session.ended:
            raise FlowDeclined(Text("本次办理已结束。", "This session has ended."))
        step = self.current
        value = self._validated(step, value)
        field = getattr(step, "field", None)
        if field:
            self.session.answers[field] = value
            for rule in self.service.eligibility:
                if rule.field == f"answers.{field}" and not holds(
                    rule, self.session.identity, self.session.answers, self.today
                ):
                    raise NotEligible(rule.refusal.text())
        if self.index < len(self.steps) - 1:
            self.index += 1
            self._skip_hidden(forward=True)

    def _validated(self, step, value: object) -> object:
        if isinstance(step, InfoStep):
            return None
        if isinstance(step, IdentityConfirmStep | ConfirmStep):
            if value is not True:
                raise FlowDeclined(step.decline.text())
            return True
        if isinstance(step, YesNoStep):
            if not isinstance(value, bool):
                raise InvalidAnswer(Text("请按“是”或“否”。", "Please press Yes or No."))
            return value
        if isinstance(step, ChoiceStep):
            if value not in {o.value for o in step.options}:
                raise InvalidAnswer(Text("请选择一项。", "Please choose one."))
            return value
        if isinstance(step, KeypadStep):
            return self._validated_digits(step, str(value))
        if isinstance(step, DateStep):
            allowed = {d.isoformat() for d in offered_dates(step, self.today)}
            if value not in allowed:
                raise InvalidAnswer(Text("请选择一个日期。", "Please choose a day."))
            return value
        if isinstance(step, PhrasesStep):
            chosen = list(value) if isinstance(value, list | tuple) else []
            known = [p.value for p in step.phrases]
            if any(c not in known for c in chosen) or len(set(chosen)) != len(chosen):
                raise InvalidAnswer(Text("请从列出的选项中选择。", "Please pick from the list."))
            if not step.min_selected <= len(chosen) <= step.max_selected:
                raise InvalidAnswer(
                    Text(
                        f"请选择 {step.min_selected} 到 {step.max_selected} 项。",
                        f"Please pick {step.min_selected} to {step.max_selected}.",
                    )
                )
            return sorted(chosen, key=known.index)
        if isinstance(step, ReviewStep):
            raise InvalidAnswer(Text("请按“确认提交”。", "Please press Submit."))
        raise InvalidAnswer(Text("无法处理此步骤。", "This step cannot be answered."))

    def _validated_digits(self, step: KeypadStep, text: str) -> str:
        if step.format == "mobile" and not MOBILE_PATTERN.match(text):
            raise InvalidAnswer(
                Text(
                    "请输入 11 位手机号码,以 1 开头。",
                    "Please enter an 11-digit mobile number starting with 1.",
                )
            )
        if step.format == "tracking_number" and not (
            TRACKING_PATTERN.match(text) and luhn_valid(text)
        ):
            raise InvalidAnswer(
                Text(
                    "办件编号有误,请对照回执上的 15 位数字重新输入。",
                    "That tracking number is not right. Please check the 15 digits on your "
                    "receipt.",
                )
            )
        if step.format == "amount":
            low, high = step.min_value or 0, step.max_value or 0
            if not text.isdigit() or not low <= int(text) <= high:
                raise InvalidAnswer(
                    Text(
                        f"请输入 {low} 到 {high} 之间的金额(元)。",
                        f"Please enter an amount from {low} to {high} yuan.",
                    )
                )
            return str(int(text))
        return text

    def back(self) -> bool:
        """One visible step back; False when already at the first step."""
        position = self.visible_steps.index(self.current)
        if position == 0:
            return False
        self.index = self.steps.index(self.visible_steps[position - 1])
        return True

    # -- results --------------------------------------------------------------------------

    def answers(self) -> dict[str, object]:
        """Answers of the steps that are shown (a changed mind hides old ones)."""
        fields = {getattr(s, "field", None) for s in self.visible_steps}
        return {k: v for k, v in self.session.answers.items() if k in fields}

    def display_value(self, step, value: object) -> Text:
        if isinstance(step, ConfirmStep):
            return CONFIRMED
        if isinstance(step, YesNoStep):
            return YES if value else NO
        if isinstance(step, ChoiceStep):
            return next(o.label.text() for o in step.options if o.value == value)
        if isinstance(step, PhrasesStep):
            labels = [p.label.text() for p in step.phrases if p.value in (value or [])]
            return Text.join(labels) if labels else Text("(未选)", "(none)")
        if isinstance(step, DateStep):
            return date_text(dt.date.fromisoformat(str(value)))
        if isinstance(step, KeypadStep):
            if step.format == "mobile":
                return Text(mask_phone(str(value)), mask_phone(str(value)))
            if step.format == "amount":
                return format_amount(str(value))
            return Text(group_digits(str(value)), group_digits(str(value)))
        return Text(str(value), str(value))

    def summary(self) -> list[tuple[Text, Text]]:
        """The review lines: what will be submitted, with private data masked."""
        identity = self.session.identity
        lines: list[tuple[Text, Text]] = []
        if identity is not None and any(
            isinstance(s, IdentityConfirmStep) for s in self.visible_steps
        ):
            lines.append((Text("姓名", "Name"), Text(identity.name, identity.name)))
            masked = identity.masked_id()
            lines.append((Text("身份证号", "ID number"), Text(masked, masked)))
        answers = self.answers()
        for step in self.visible_steps:
            field = getattr(step, "field", None)
            if field and field in answers:
                lines.append((step.summary_label.text(), self.display_value(step, answers[field])))
        return lines
