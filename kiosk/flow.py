"""The flow engine: walks one catalog service for one session, one question per screen.

Headless and Qt-free. `ui/` renders whatever step `FlowRun.current` is, generically by its
`kind`; every answer comes back through `FlowRun.answer`, which validates it, applies the
service's rules and moves on. Steps with `show_if` appear only when their condition holds.
What is particular to a kind (its validation, how the review shows its answer) is that
kind's entry in `kiosk/step_kinds.py`; this module is the flow: order, visibility, back,
rules and the review.
"""

from __future__ import annotations

import datetime as dt

from drivers.identity import SOCIAL_SECURITY, Identity
from kiosk import messages, step_kinds
from kiosk.catalog import (
    Condition,
    IdentityConfirmStep,
    InfoStep,
    PolicyModel,
    ReviewStep,
    Rule,
    ServiceModel,
    TextModel,
)
from kiosk.session import Session
from kiosk.step_kinds import FlowDeclined, InvalidAnswer, full_date_text

# Re-exported: ui/tour.py and kiosk/simulate.py take it from the flow.
from kiosk.step_kinds import offered_dates as offered_dates
from kiosk.text import Text

Service = ServiceModel


class NotEligible(FlowDeclined):
    """A rule of the service does not hold; `message` says why and, if known, from when."""


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


def check_card(service: ServiceModel, identity: Identity) -> None:
    """A service on the social security card itself cannot start from an ID card."""
    if service.needs_card == "social_security" and identity.card_kind != SOCIAL_SECURITY:
        raise NotEligible(messages.NEEDS_SOCIAL_SECURITY_CARD)


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
        # Each kind validates its own answers (kiosk/step_kinds.py).
        kind = step_kinds.lookup(step.kind)
        if kind is None:
            raise InvalidAnswer(Text("无法处理此步骤。", "This step cannot be answered."))
        return kind.validate(step, value, self)

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
        """The answer as the review shows it, as its kind words it (private data masked)."""
        kind = step_kinds.lookup(step.kind)
        return kind.display(step, value) if kind else step_kinds.plain_text(step, value)

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
