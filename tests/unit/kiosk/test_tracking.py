from kiosk.tracking import group_digits, luhn_digit, luhn_valid, tracking_number_maker


def test_luhn_digit_matches_known_values():
    assert luhn_digit("7992739871") == "3"
    assert luhn_digit("0") == "0"


def test_tracking_numbers_are_kiosk_epoch_sequence_and_check():
    make = tracking_number_maker("0042")
    number = make(3, 7)
    assert number[:-1] == "00420030000007"
    assert number[-1] == luhn_digit(number[:-1])
    assert len(number) == 15
    assert luhn_valid(number)


def test_new_numbers_never_meet_the_older_date_based_ones():
    """The older form had yymmdd where the epoch stands: 2yy for 2020-2099."""
    newest_epoch = tracking_number_maker("0001")(199, 9_999_999)
    assert int(newest_epoch[4:7]) < 200


def test_one_wrong_digit_changes_the_check():
    number = tracking_number_maker("0001")(1, 15)
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:-1]
    assert luhn_digit(typo) != number[-1]
    assert not luhn_valid(typo + number[-1])


def test_validity_refuses_what_is_not_ascii_digits_instead_of_raising():
    for text in ("", "7", "12a4", "7992739871²", "79927398713 "):
        assert not luhn_valid(text)
    assert luhn_valid("79927398713")


def test_digits_are_grouped_in_fours_from_the_left():
    assert group_digits("000100100000015") == "0001 0010 0000 015"
    assert group_digits("1234") == "1234"
    assert group_digits("") == ""
