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
