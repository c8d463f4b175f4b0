import datetime as dt

import pytest

from drivers.identity import Identity
from kiosk.catalog import parse_catalog_text, shipped_catalog_text
from kiosk.flow import FlowDeclined, FlowRun, InvalidAnswer
from kiosk.session import Session

CATALOG = parse_catalog_text(shipped_catalog_text())
PENSION_CERTIFICATION = next(s for s in CATALOG.services if s.id == "pension_certification")


def new_run():
    identity = Identity(
        name="王䶮", id_number="445281195207081310", sex="1", birth_date=dt.date(1952, 7, 8)
    )
    return FlowRun(PENSION_CERTIFICATION, Session(identity=identity, reader="r0"))


def test_pension_certification_walks_four_steps_to_review():
    run = new_run()
    assert (run.step_number, run.step_count, run.current.kind) == (1, 4, "identity_confirm")
    run.answer(True)
    run.answer(True)
    run.answer("13812345678")
    assert run.at_review
    assert run.session.answers == {"alive_declaration": True, "contact_phone": "13812345678"}


def test_review_masks_the_id_number_and_phone():
    run = new_run()
    for answer in (True, True, "13812345678"):
        run.answer(answer)
    shown = " ".join(value if isinstance(value, str) else value.zh for _, value in run.summary())
    assert "4452**********1310" in shown and "138****5678" in shown
    assert "445281195207081310" not in shown and "13812345678" not in shown


@pytest.mark.parametrize("bad", ["", "1381234567", "23812345678", "12812345678", "1381234567a"])
def test_phone_must_be_a_mainland_mobile(bad):
    run = new_run()
    run.answer(True)
    run.answer(True)
    with pytest.raises(InvalidAnswer):
        run.answer(bad)
    assert run.current.id == "phone"


@pytest.mark.parametrize("step", [0, 1])
def test_saying_no_to_identity_or_declaration_ends_the_service(step):
    run = new_run()
    for _ in range(step):
        run.answer(True)
    with pytest.raises(FlowDeclined) as declined:
        run.answer(False)
    assert declined.value.message.zh


def test_back_keeps_answers_and_stops_at_the_first_step():
    run = new_run()
    run.answer(True)
    run.answer(True)
    assert run.back() and run.current.id == "declaration"
    assert run.back() and not run.back()
    assert run.session.answers["alive_declaration"] is True


def test_a_wiped_session_accepts_no_answer_and_holds_no_data():
    run = new_run()
    run.answer(True)
    run.session.wipe()
    assert run.session.identity is None and run.session.answers == {}
    with pytest.raises(FlowDeclined):
        run.answer(True)
