import datetime as dt

from drivers.identity import Identity, mask_phone


def make(name="王䶮", number="11010519491231002X"):
    return Identity(name=name, id_number=number, sex="2", birth_date=dt.date(1949, 12, 31))


def test_masks_keep_only_what_is_needed_to_recognise():
    person = make()
    assert person.masked_id() == "1101**********002X"
    assert person.masked_name() == "王*"
    assert mask_phone("13812345678") == "138****5678"


def test_repr_never_shows_the_name_or_number():
    text = repr(make())
    assert "䶮" not in text and "11010519491231002X" not in text


def test_age_counts_whole_years():
    person = make()
    assert person.age_on(dt.date(2029, 12, 30)) == 79
    assert person.age_on(dt.date(2029, 12, 31)) == 80


def test_existing_callers_get_a_social_security_card_by_default():
    person = make()
    assert person.card_kind == "social_security"
    assert person.valid_until is None and person.card_expiry is None
    assert person.source == "social_security_card"
    assert person.name_en == "" and person.address is None


def test_validity_long_term_or_a_last_day():
    person = make()
    person.valid_until = "long_term"
    assert person.valid_on(dt.date(2099, 1, 1))
    person.valid_until = dt.date(2030, 6, 1)
    assert person.valid_on(dt.date(2030, 6, 1))
    assert not person.valid_on(dt.date(2030, 6, 2))


def test_repr_never_shows_the_address():
    person = make()
    person.address = "广东省清远市连南瑶族自治县三江镇示范村一号"
    assert "连南" not in repr(person) and "三江" not in repr(person)
    assert "resident" not in repr(person) and "social_security" in repr(person)
