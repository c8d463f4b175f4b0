"""What follows a finished service, decided by the core: a receipt, or a result to read.

The window shows an `Outcome`; it never branches on a service's `action` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from kiosk.backend_client import BackendClient
from kiosk.catalog import PolicyModel, ServiceModel
from kiosk.submission import Receipt
from kiosk.text import Text
from kiosk.tracking import group_digits

TRACKING_NUMBER = Text("办件编号:{n}", "Tracking number: {n}")  # receipt and look-up alike
STATUS_TEXT = {
    "pending": Text("已在本机登记,等待联网上报。", "Registered here; waiting to be sent."),
    "in_flight": Text("正在上报。", "Being sent now."),
    "failed": Text("已在本机登记,稍后自动重新上报。", "Registered here; it will be sent again."),
    "quarantined": Text("上报遇到问题,工作人员正在处理。", "A problem: staff are dealing with it."),
    "sent": Text("已上报,正在办理。", "Delivered; being processed."),
    "received": Text("政务服务平台已受理,正在办理。", "Received by the platform; in progress."),
    "processing": Text("正在办理。", "In progress."),
    "done": Text("已办结。", "Completed."),
    "rejected": Text("未通过,请找工作人员了解原因。", "Not approved; please ask staff why."),
}
NOT_FOUND = Text(
    "没有找到这个办件编号。请核对回执,或找工作人员帮忙。",
    "That tracking number was not found. Please check your receipt, or ask a staff member.",
)


@dataclass(frozen=True)
class StatusAnswer:
    """办事进度查询's answer, for the villager."""

    found: bool
    message: Text
    detail: str  # for staff: where the answer came from


@dataclass(frozen=True)
class ReceiptOutcome:
    """The submission is stored: show its receipt."""

    receipt: Receipt
    still_current: bool = True  # False: the card left meanwhile (stored all the same)


@dataclass(frozen=True)
class ResultOutcome:
    """A look-up or an eligibility check: a heading and lines to read."""

    heading: Text
    lines: list[Text] = field(default_factory=list)
    still_current: bool = True


Outcome = ReceiptOutcome | ResultOutcome


def status_result(tracking_number: str, answer: StatusAnswer) -> ResultOutcome:
    heading = Text("办理进度", "Progress") if answer.found else Text("未找到", "Not found")
    number = TRACKING_NUMBER.format(n=group_digits(tracking_number))
    return ResultOutcome(heading, [number, answer.message])


def policies_result(service: ServiceModel, policies: list[PolicyModel]) -> ResultOutcome:
    if policies:
        heading = Text(
            "您可以直接享受以下 {n} 项政策", "{n} benefit(s) are yours without applying"
        ).format(n=len(policies))
        lines = [p.title.text() + Text(":", ":") + p.benefit.text() for p in policies]
    else:
        heading = Text("暂无可直接享受的政策", "No automatic benefits for now")
        lines = []
    lines.append(service.next_steps.text())
    return ResultOutcome(heading, lines)


def look_up_status(backend: BackendClient, local: str | None, tracking_number: str) -> StatusAnswer:
    """办事进度查询: the backend's word when it answers, else `local` (this kiosk's own
    queue state for the number), else not found."""
    try:
        response = backend.get(f"/api/v1/submissions/{tracking_number}")
        if response.status_code == 200:
            status = str(response.json().get("status", "received"))
            text = STATUS_TEXT.get(status, STATUS_TEXT["received"])
            return StatusAnswer(True, text, f"backend: {status}")
        backend_said = f"backend HTTP {response.status_code}"
    except (requests.RequestException, ValueError) as error:
        backend_said = f"backend unreachable: {type(error).__name__}"
    if local is not None:
        return StatusAnswer(True, STATUS_TEXT[local], f"local queue: {local}; {backend_said}")
    return StatusAnswer(False, NOT_FOUND, backend_said)
