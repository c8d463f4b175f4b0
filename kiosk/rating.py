"""好差评: the five-level rating after every completed service (an official channel).

A rating is queued and synced like a submission, with no personal data in it.
"""

from __future__ import annotations

from kiosk.text import Text

RATING_SERVICE_ID = "rating"
LEVELS = (
    (5, Text("非常满意", "Very satisfied")),
    (4, Text("满意", "Satisfied")),
    (3, Text("基本满意", "Fairly satisfied")),
    (2, Text("不满意", "Dissatisfied")),
    (1, Text("非常不满意", "Very dissatisfied")),
)
# Optional reason chips: praise for 4-5, complaints for 1-3. Tapped, never typed.
PRAISE = (
    ("quick", Text("办理快", "Quick")),
    ("easy", Text("操作简单", "Easy to use")),
    ("clear_voice", Text("语音清楚", "Clear voice")),
    ("big_text", Text("字大看得清", "Big, clear text")),
    ("helpful_staff", Text("工作人员热情", "Helpful staff")),
)
COMPLAINTS = (
    ("too_complex", Text("操作太复杂", "Too complicated")),
    ("hard_to_read", Text("字看不清", "Hard to read")),
    ("voice_unclear", Text("语音听不懂", "Could not follow the voice")),
    ("materials_unclear", Text("材料要求不清楚", "Unclear what to bring")),
    ("too_slow", Text("等待太久", "Too slow")),
)


def reasons_for(level: int) -> tuple[tuple[str, Text], ...]:
    return PRAISE if level >= 4 else COMPLAINTS


def rating_payload(
    rated_service: str, tracking_number: str | None, level: int, reasons: list[str]
) -> dict:
    """Validated payload; raises ValueError on anything a screen could not have produced."""
    if level not in {value for value, _ in LEVELS}:
        raise ValueError(f"rating level {level}")
    allowed = {key for key, _ in reasons_for(level)}
    if any(reason not in allowed for reason in reasons):
        raise ValueError("unknown rating reason")
    return {
        "rated_service": rated_service,
        "rated_tracking_number": tracking_number,
        "level": level,
        "reasons": sorted(set(reasons)),
    }
