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


# -- step kinds of the catalog ------------------------------------------------------------

TODAY = dt.date(2026, 11, 20)  # a Friday
SERVICES = {s.id: s for s in CATALOG.services}
ELDER = Identity(
    name="陈秀英", id_number="440102194403152424", sex="2", birth_date=dt.date(1944, 3, 15)
)


def run_of(service_id: str) -> FlowRun:
    return FlowRun(SERVICES[service_id], Session(identity=ELDER, reader="r0"), TODAY)


def test_show_if_hides_a_step_until_its_condition_holds_and_drops_stale_answers():
    run = run_of("social_security_card_service")
    assert run.current.id == "materials"  # 一次性告知 comes first
    run.answer(None)
    run.answer(True)
    run.answer("replace")
    assert run.current.id == "reason" and run.step_count == 6
    run.answer("damaged")
    assert run.current.id == "phone"
    assert run.back() and run.back() and run.current.id == "request"
    run.answer("status")
    assert run.current.id == "phone" and run.step_count == 5
    run.answer("13812345678")
    assert "replace_reason" not in run.answers()
    assert run.back() and run.current.id == "phone"
    assert run.back() and run.current.id == "request"  # back skips the hidden step


def test_phrases_take_between_min_and_max_known_values_in_catalog_order():
    run = run_of("hotline_12345")
    run.answer(True)
    run.answer("roads")
    for bad in (
        [],
        ["a", "b"],
        ["safety", "safety"],
        ["safety", "blocks_travel", "over_a_week", "reported_before"],
    ):
        with pytest.raises(InvalidAnswer):
            run.answer(bad)
    run.answer(["safety", "over_a_week"])
    assert run.session.answers["details"] == ["over_a_week", "safety"]


def test_choice_refuses_what_it_did_not_offer():
    run = run_of("hotline_12345")
    run.answer(True)
    with pytest.raises(InvalidAnswer):
        run.answer("weather")


def test_dates_are_offered_as_buttons_on_working_days_only():
    from kiosk.flow import offered_dates

    run = run_of("assisted_service_booking")
    run.answer(True)
    run.answer("pension")
    days = offered_dates(run.current, TODAY)
    assert len(days) == 6 and all(day.weekday() < 5 for day in days)
    assert days[0] == dt.date(2026, 11, 23)  # Saturday and Sunday skipped
    with pytest.raises(InvalidAnswer):
        run.answer("2026-11-21")
    run.answer(days[2].isoformat())
    assert run.current.id == "slot"


def test_amounts_and_tracking_numbers_are_checked_at_the_keypad():
    from kiosk.tracking import tracking_number_maker

    young = Identity(
        name="李国强", id_number="445281198107081310", sex="1", birth_date=dt.date(1981, 7, 8)
    )
    run = FlowRun(SERVICES["residents_pension_contribution"], Session(young, "r0"), TODAY)
    run.answer(True)
    for bad in ("", "179", "5001", "12a"):
        with pytest.raises(InvalidAnswer):
            run.answer(bad)
    run.answer("0600")
    assert run.session.answers["amount_yuan"] == "600"

    query = FlowRun(SERVICES["progress_query"], Session(young, "r0"), TODAY)
    good = tracking_number_maker("0001")(1, 12)
    mistyped = good[:-2] + good[-1] + good[-2] if good[-1] != good[-2] else good[:-1] + "0"
    with pytest.raises(InvalidAnswer):
        query.answer(mistyped)
    query.answer(good)
    assert query.at_review


def test_review_shows_labels_not_codes():
    run = run_of("residence_certificate")
    for answer in (None, True, "residence", ["bank", "school"], "two", "13812345678"):
        run.answer(answer)
    shown = {caption.zh: value.zh for caption, value in run.summary()}
    assert shown["证明类型"] == "居住证明"
    assert shown["用途"] == "子女入学、银行开户"
    assert shown["联系电话"] == "138****5678"
