"""The flow engine: walks a service's steps for one session, one question at a time.

Headless and Qt-free; `ui/` renders whatever step `FlowRun.current` is, generically by
its `kind`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.identity import mask_phone
from kiosk.session import Session
from kiosk.text import Text

# Step kinds the UI knows how to render.
IDENTITY_CONFIRM = "identity_confirm"  # prefilled from the card: 是我本人 / 不是我
CONFIRM = "confirm"  # a declaration: 确认 / 不确认
PHONE = "phone"  # numeric keypad
REVIEW = "review"  # everything at once, then submit


class InvalidAnswer(Exception):
    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class FlowDeclined(Exception):
    """The villager said no to something the service cannot go on without."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    title: Text
    prompt: Text
    field: str | None = None
    summary_label: Text | None = None
    decline_message: Text | None = None
    validate: Callable[[str], Text | None] | None = None


@dataclass(frozen=True)
class Service:
    id: str
    title: Text
    steps: tuple[Step, ...]
    next_steps: Text = field(default=Text("", ""))


MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")


def validate_mobile(value: str) -> Text | None:
    if MOBILE_PATTERN.match(value):
        return None
    return Text(
        "请输入 11 位手机号码,以 1 开头。",
        "Please enter an 11-digit mobile number starting with 1.",
    )


class FlowRun:
    """Position in a service for one session."""

    def __init__(self, service: Service, session: Session) -> None:
        self.service = service
        self.session = session
        self.index = 0

    @property
    def current(self) -> Step:
        return self.service.steps[self.index]

    @property
    def step_number(self) -> int:
        return self.index + 1

    @property
    def step_count(self) -> int:
        return len(self.service.steps)

    @property
    def at_review(self) -> bool:
        return self.current.kind == REVIEW

    def answer(self, value: object) -> None:
        """Record the answer to the current step and move on."""
        step = self.current
        if self.session.ended:
            raise FlowDeclined(Text("本次办理已结束。", "This session has ended."))
        if step.kind in (IDENTITY_CONFIRM, CONFIRM):
            if value is not True:
                raise FlowDeclined(step.decline_message or Text("已取消。", "Cancelled."))
        elif step.kind == PHONE:
            text = str(value)
            if step.validate and (problem := step.validate(text)):
                raise InvalidAnswer(problem)
            value = text
        elif step.kind == REVIEW:
            raise InvalidAnswer(Text("请按“确认提交”。", "Please press Submit."))
        if step.field:
            self.session.answers[step.field] = value
        self.index = min(self.index + 1, self.step_count - 1)

    def back(self) -> bool:
        """One step back; False when already at the first step."""
        if self.index == 0:
            return False
        self.index -= 1
        return True

    def summary(self) -> list[tuple[Text, Text | str]]:
        """The review lines: what will be submitted, with private data masked."""
        identity = self.session.identity
        lines: list[tuple[Text, Text | str]] = []
        if identity is not None:
            lines.append((Text("姓名", "Name"), identity.name))
            lines.append((Text("身份证号", "ID number"), identity.masked_id()))
        for step in self.service.steps:
            if step.field and step.summary_label and step.field in self.session.answers:
                value = self.session.answers[step.field]
                shown: Text | str
                if step.kind == PHONE:
                    shown = mask_phone(str(value))
                elif value is True:
                    shown = Text("✔ 已确认", "✔ Confirmed")
                else:
                    shown = str(value)
                lines.append((step.summary_label, shown))
        return lines
