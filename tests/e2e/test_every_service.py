"""Every service of the shipped catalog, end to end: an emulated card on real pcscd + vpcd,
the real window tapped through, the submission on the real SQLite queue and at the real
backend over HTTP, then rated (好差评), which is queued and synced too."""

import json

import pytest

from kiosk.catalog import parse_catalog_text, shipped_catalog_text
from kiosk.flow import offered_dates
from tests.helpers.kiosk_ui import (
    choose_service,
    make_window,
    shown_button,
    tap,
    text_of,
    visible_text,
)
from ui.tour import ELDER, YOUNGER

CATALOG = parse_catalog_text(shipped_catalog_text())
PHONE = "13812345678"


def tap_through_current_step(qtbot, window, numbers: dict) -> None:
    """Answer the step on screen the way a villager would: taps only."""
    step = window.core.run.current
    kind = step.kind
    if kind == "info":
        tap(qtbot, window, "answer_next")
    elif kind in ("identity_confirm", "confirm", "yes_no"):
        tap(qtbot, window, "answer_yes")
    elif kind == "choice":
        tap(qtbot, window, f"option_{step.options[-1].value}")
    elif kind == "date":
        second_day = offered_dates(step, window.core.run.today)[1]
        tap(qtbot, window, f"date_{second_day.isoformat()}")
    elif kind == "phrases":
        for phrase in step.phrases[: max(1, step.min_selected)]:
            tap(qtbot, window, f"phrase_{phrase.value}")
        tap(qtbot, window, "answer_next")
    elif kind == "keypad":
        digits = {"mobile": PHONE, "amount": "600"}.get(step.format) or numbers["tracking"]
        for digit in digits:
            tap(qtbot, window, f"key_{digit}")
        tap(qtbot, window, "answer_next")
    else:
        raise AssertionError(f"unexpected step kind {kind}")


@pytest.mark.parametrize("service", CATALOG.services, ids=lambda s: s.id)
def test_every_service_is_completed_end_to_end(qtbot, tmp_path, backend, card_slots, service):
    core, window = make_window(
        qtbot, tmp_path / "kiosk", backend_url=backend.url, retry_base_s=0.2, retry_cap_s=1.0
    )
    core.start()
    try:
        qtbot.waitUntil(
            lambda: core.reader_status is not None and core.reader_status.state == "ready",
            timeout=5000,
        )
        tracking = ""
        if service.action == "status_lookup":
            # Something to look up: an earlier submission of the same villager.
            card_slots.insert(ELDER.name, ELDER.id_number)
            qtbot.waitUntil(lambda: core.session is not None, timeout=5000)
            earlier = core.choose_service("pension_certification")
            for answer in (True, True, PHONE):
                earlier.answer(answer)
            tracking = core.submit(earlier).tracking_number
            card_slots.remove()
            qtbot.waitUntil(lambda: core.session is None, timeout=5000)
            # The window ends that session too before the next card: until it does, it
            # still shows that villager's home screen (a tap there found no session).
            qtbot.waitUntil(lambda: window.stack.currentWidget() is window.attract, timeout=5000)

        villager = YOUNGER if service.id == "residents_pension_contribution" else ELDER
        card_slots.insert(villager.name, villager.id_number)
        qtbot.waitUntil(lambda: core.session is not None, timeout=5000)
        choose_service(qtbot, window, service.id)
        assert core.session.identity.id_number == villager.id_number  # read from the card
        seen_kinds = []
        for _ in range(20):
            qtbot.waitUntil(lambda: window.stack.currentWidget() is window.step, timeout=3000)
            run = window.core.run
            seen_kinds.append(run.current.kind)
            assert text_of(window, "stepIndicator") == (
                f"第 {run.step_number} 步 / 共 {run.step_count} 步"
            )
            if run.at_review:
                assert window.findChildren(type(window.step.title), "summaryLine") or (
                    service.action != "submit"
                )
                tap(qtbot, window, "submit")
                break
            tap_through_current_step(qtbot, window, {"tracking": tracking})
        else:
            raise AssertionError("the service never reached its review step")

        if service.action == "submit":
            qtbot.waitUntil(lambda: window.stack.currentWidget() is window.receipt, timeout=5000)
            number = window.receipt.receipt.tracking_number
            assert window.receipt.qr._matrix
            assert service.next_steps.zh in visible_text(window)
            tap(qtbot, window, "receipt_done")
        else:
            qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result, timeout=5000)
            shown = visible_text(window)
            if service.action == "status_lookup":
                assert "政务服务平台已受理" in shown or "已上报" in shown or "已在本机登记" in shown
            else:
                assert "免费乘坐" in shown  # ELDER is 82: the over-65 bus pass
            number = None
            tap(qtbot, window, "result_done")

        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.rating, timeout=3000)
        tap(qtbot, window, "rating_4")
        tap(qtbot, window, "reason_quick")
        tap(qtbot, window, "rating_submit")
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=3000)
        assert core.session is None

        def delivered() -> list[dict]:
            return [json.loads(body) for _, _, body in backend.rows()]

        qtbot.waitUntil(
            lambda: any(b["service_id"] == "rating" for b in delivered()), timeout=15000
        )
        bodies = delivered()
        rating = next(b for b in bodies if b["service_id"] == "rating")
        assert rating["payload"] == {
            "rated_service": service.id,
            "rated_tracking_number": number,
            "level": 4,
            "reasons": ["quick"],
        }
        if number is not None:
            qtbot.waitUntil(lambda: backend.status(number) is not None, timeout=15000)
            mine = next(b for b in delivered() if b["tracking_number"] == number)
            assert mine["service_id"] == service.id
            assert mine["payload"]["applicant"]["id_number"] == villager.id_number
            assert mine["payload"]["answers"], "the answers travel with the submission"
        assert "review" in seen_kinds
        assert shown_button(window, "nav_call_staff") is not None  # always there
    finally:
        core.stop()
