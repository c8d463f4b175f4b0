"""The catalog: the shipped one is valid and complete; broken ones are refused with the
place of each problem; the store keeps the last good catalog."""

import copy
import json

import pytest

from kiosk.catalog import (
    CatalogError,
    parse_catalog,
    parse_catalog_text,
    shipped_catalog_text,
    step_models,
)
from kiosk.catalog_keeper import CatalogStore

SHIPPED = json.loads(shipped_catalog_text())


def broken(change) -> dict:
    data = copy.deepcopy(SHIPPED)
    change(data)
    return data


def problems_of(data) -> list[str]:
    with pytest.raises(CatalogError) as error:
        parse_catalog(data)
    return error.value.problems


def test_the_shipped_catalog_has_ten_services_using_every_step_kind():
    catalog = parse_catalog(SHIPPED)
    assert len(catalog.services) >= 10
    kinds = {step.kind for service in catalog.services for step in service.steps}
    assert kinds | {"info"} >= set(step_models())  # info also comes from the materials step
    assert len({s.id for s in catalog.services}) == len(catalog.services)


def test_every_text_has_chinese_and_english_and_every_step_a_spoken_prompt():
    catalog = parse_catalog(SHIPPED)
    for service in catalog.services:
        for step in service.steps:
            assert step.speech.zh and step.speech.en, (service.id, step.id)


def test_an_unknown_step_kind_is_named_with_its_place():
    data = broken(lambda d: d["services"][2]["steps"][1].update(kind="slider"))
    (problem,) = problems_of(data)
    assert problem.startswith("services[2] (social_security_card_service).steps[1] (request)")
    assert "slider" in problem


def test_missing_chinese_text_is_refused():
    data = broken(lambda d: d["services"][4]["title"].pop("zh"))
    assert problems_of(data) == ["services[4] (disability_subsidies).title.zh: Field required"]


def test_empty_chinese_text_is_refused():
    data = broken(lambda d: d["services"][0]["steps"][0]["prompt"].update(zh=""))
    (problem,) = problems_of(data)
    assert problem.startswith("services[0] (pension_certification).steps[0] (identity).prompt.zh")


def test_duplicate_service_ids_are_refused():
    data = broken(lambda d: d["services"][3].update(id=d["services"][0]["id"]))
    assert "services[3] (pension_certification).id: duplicate service id" in problems_of(data)[0]


def test_duplicate_step_ids_and_option_values_are_refused():
    def change(d):
        steps = d["services"][6]["steps"]  # hotline_12345
        steps[2]["id"] = steps[1]["id"]
        steps[1]["options"][1]["value"] = steps[1]["options"][0]["value"]

    problems = problems_of(broken(change))
    assert any("steps[2] (category).id: duplicate step id" in p for p in problems)
    assert any("steps[1] (category).options: duplicate value 'sanitation'" in p for p in problems)


def test_a_rule_naming_an_unknown_field_is_refused():
    rule = {
        "field": "answers.shoe_size",
        "op": ">=",
        "value": 3,
        "refusal": {"zh": "不", "en": "No"},
    }
    data = broken(lambda d: d["services"][5].update(eligibility=[rule]))
    (problem,) = problems_of(data)
    assert problem.startswith("services[5] (residence_certificate).eligibility[0].field")
    assert "answers.shoe_size" in problem


def test_an_unknown_identity_field_and_a_forward_show_if_are_refused():
    def change(d):
        d["services"][0]["eligibility"][0]["field"] = "identity.income"
        d["services"][2]["steps"][0]["show_if"] = {
            "field": "answers.card_request",
            "op": "==",
            "value": "replace",
        }

    problems = problems_of(broken(change))
    assert any("identity.income" in p and "eligibility[0]" in p for p in problems)
    assert any("steps[0] (identity).show_if.field" in p for p in problems)


def test_review_must_close_the_service():
    data = broken(lambda d: d["services"][0]["steps"].pop())
    assert "the last step must be a review step" in problems_of(data)[0]


def test_not_json_says_where():
    with pytest.raises(CatalogError) as error:
        parse_catalog_text('{"catalog_version": 1,\n "services": [}', "x.json")
    assert error.value.problems[0].startswith("x.json: not valid JSON at line 2")


def test_the_store_installs_only_a_valid_catalog_and_keeps_the_last_good(tmp_path):
    store = CatalogStore(tmp_path)
    assert store.load().source == "shipped"
    smaller = broken(lambda d: d.update(catalog_version=7, services=d["services"][:3]))
    store.install(json.dumps(smaller, ensure_ascii=False), etag='"abc"')
    assert store.load().catalog.catalog_version == 7 and store.etag == '"abc"'
    with pytest.raises(CatalogError):
        store.install('{"catalog_version": 8, "services": []}')
    kept = store.load()
    assert kept.catalog.catalog_version == 7 and len(kept.catalog.services) == 3
    assert store.etag == '"abc"'


def test_a_damaged_stored_catalog_falls_back_to_the_shipped_one_and_says_why(tmp_path):
    (tmp_path / "catalog.json").write_text('{"catalog_version": 3, "serv', encoding="utf-8")
    active = CatalogStore(tmp_path).load()
    assert active.source == "shipped" and "not valid JSON" in active.problem
    assert len(active.catalog.services) == len(SHIPPED["services"])
