import datetime as dt

from kiosk.submission import luhn_digit, tracking_number_maker


def test_luhn_digit_matches_known_values():
    assert luhn_digit("7992739871") == "3"
    assert luhn_digit("0") == "0"


def test_tracking_numbers_are_kiosk_day_sequence_and_check():
    make = tracking_number_maker("0042")
    number = make(dt.date(2026, 11, 21), 7)
    assert number[:-1] == "00422611210007"
    assert number[-1] == luhn_digit(number[:-1])
    assert len(number) == 15


def test_one_wrong_digit_changes_the_check():
    number = tracking_number_maker("0001")(dt.date(2026, 1, 2), 15)
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:-1]
    assert luhn_digit(typo) != number[-1]
