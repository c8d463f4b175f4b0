"""Eligibility rules of the shipped catalog, headless."""

import dataclasses
import datetime as dt

import pytest

from drivers.identity import RESIDENT_ID, Identity
from kiosk.catalog import parse_catalog_text, shipped_catalog_text
from kiosk.flow import FlowRun, NotEligible, check_card, check_eligibility, matching_policies
from kiosk.session import Session

CATALOG = parse_catalog_text(shipped_catalog_text())
SERVICES = {s.id: s for s in CATALOG.services}
TODAY = dt.date(2026, 11, 21)


def person(born: dt.date) -> Identity:
    return Identity(name="测试", id_number="440102194403152424", sex="2", birth_date=born)


def test_a_79_year_old_is_told_from_which_date_the_old_age_allowance_applies():
    villager = person(dt.date(1947, 3, 5))  # 79 on TODAY, 80 on 5 March 2027
    with pytest.raises(NotEligible) as refusal:
        check_eligibility(SERVICES["senior_allowance"], villager, TODAY)
    message = refusal.value.message
    assert "80 周岁" in message.zh and "2027年3月5日" in message.zh
    assert "5 March 2027" in message.en


def test_the_allowance_opens_on_the_80th_birthday():
    check_eligibility(SERVICES["senior_allowance"], person(dt.date(1946, 11, 21)), TODAY)
    with pytest.raises(NotEligible):
        check_eligibility(SERVICES["senior_allowance"], person(dt.date(1946, 11, 22)), TODAY)


def test_born_on_29_february_becomes_eligible_on_1_march():
    with pytest.raises(NotEligible) as refusal:
        check_eligibility(SERVICES["senior_allowance"], person(dt.date(1948, 2, 29)), TODAY)
    assert "2028年2月29日" in refusal.value.message.zh  # 2028 is a leap year
    with pytest.raises(NotEligible) as refusal:
        check_eligibility(SERVICES["senior_allowance"], person(dt.date(1947, 2, 28)), TODAY)
    assert "2027年2月28日" in refusal.value.message.zh


def test_pension_certification_starts_at_60_and_contributions_stop_at_60():
    with pytest.raises(NotEligible) as refusal:
        check_eligibility(SERVICES["pension_certification"], person(dt.date(1967, 6, 1)), TODAY)
    assert "2027年6月1日" in refusal.value.message.zh
    check_eligibility(
        SERVICES["residents_pension_contribution"], person(dt.date(1967, 6, 1)), TODAY
    )
    with pytest.raises(NotEligible):
        check_eligibility(
            SERVICES["residents_pension_contribution"], person(dt.date(1960, 1, 1)), TODAY
        )


def walk(service_id: str, born: dt.date, answers: list) -> FlowRun:
    run = FlowRun(SERVICES[service_id], Session(person(born), "r0"), TODAY)
    for answer in answers:
        run.answer(answer)
    return run


def test_the_allowance_is_paid_where_the_household_is_registered():
    with pytest.raises(NotEligible) as refusal:
        walk("senior_allowance", dt.date(1940, 1, 1), [None, True, False])
    assert "户籍所在地" in refusal.value.message.zh
    run = walk("senior_allowance", dt.date(1940, 1, 1), [None, True, True])
    assert run.current.id == "payment"


def test_disability_subsidies_need_the_certificate_first():
    with pytest.raises(NotEligible) as refusal:
        walk("disability_subsidies", dt.date(1970, 1, 1), [None, True, False])
    assert "残疾人证" in refusal.value.message.zh


def test_automatic_benefits_follow_age():
    by_age = {
        age: {
            p.id
            for p in matching_policies(CATALOG.policies, person(dt.date(2026 - age, 1, 1)), TODAY)
        }
        for age in (59, 60, 65, 100)
    }
    assert by_age[59] == set()
    assert by_age[60] == {"scenic_spots_60"}
    assert {"free_bus_65", "senior_health_check"} <= by_age[65]
    assert "centenarian_care" in by_age[100] and "centenarian_care" not in by_age[65]


def test_a_service_on_the_social_security_card_refuses_an_id_card_before_it_starts():
    service = CATALOG.services[0].model_copy(update={"needs_card": "social_security"})
    card = Identity("陈秀英", "440102194803152424", "2", dt.date(1948, 3, 15))
    check_card(service, card)  # the social security card itself: fine
    with pytest.raises(NotEligible) as refused:
        check_card(service, dataclasses.replace(card, card_kind=RESIDENT_ID))
    assert "社保卡本身" in refused.value.message.zh
    check_card(CATALOG.services[0], dataclasses.replace(card, card_kind=RESIDENT_ID))  # "any"
