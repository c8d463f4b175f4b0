import datetime as dt

import pytest

from drivers import id_number as idn


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_published_examples_are_valid(number):
    assert idn.is_valid(number)


def test_every_wrong_check_character_is_refused():
    good = "11010519491231002X"
    for wrong in "0123456789":
        assert not idn.is_valid(good[:17] + wrong)


@pytest.mark.parametrize(
    "number",
    ["1101051949123100", "11010519491231002Y", "A1010519491231002X", "110105194913310029"],
)
def test_malformed_numbers_are_refused(number):
    assert not idn.is_valid(number)


def test_impossible_birth_date_is_refused_even_with_right_check_digit():
    number = idn.with_check_character("11010519490230002")  # 30 February
    assert not idn.is_valid(number)


def test_birth_date_and_sex():
    assert idn.birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert idn.sex("11010519491231002X") == "2"
    assert idn.sex("440524188001010014") == "1"


def test_digits_that_are_not_ascii_are_not_an_id_number():
    # Found by hypothesis on the SAM text block: "²".isdigit() is True, int("²") fails.
    assert not idn.is_valid("4452811952070813²0")
    assert not idn.is_valid("٤٤٥٢٨١١٩٥٢٠٧٠٨١٣١٠")
