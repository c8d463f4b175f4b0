"""The 256-byte text block of the three card kinds (GA 490), told apart by byte 248."""

import contextlib
import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers import id_number as idn
from drivers.errors import BadCardData, CardError, UnsupportedCard
from drivers.identity import LONG_TERM
from drivers.sam.text import TYPE_OFFSET, parse_text_block
from drivers.simulated.sam_card import SamCard, sam_card

RESIDENT = idn.with_check_character("44528119520708131")  # male, born 1952-07-08
MINORITY = idn.with_check_character("65010219800101002")  # female, born 1980-01-01
HONG_KONG = idn.with_check_character("81000019850315123")
TAIWAN = idn.with_check_character("83000019700101456")
PERMIT = "CAN110075052015"
LONG_MINORITY_NAME = "阿依古丽·买买提艾力·吐尔逊江"  # 15 characters with the middle dot


def _ucs2(block: bytes, offset: int, size: int) -> str:
    return block[offset : offset + size].decode("utf-16-le").rstrip(" ")


def test_the_layouts_put_each_field_where_ga_490_says():
    block = sam_card("resident-id", "王䶮", RESIDENT).text_block()
    assert len(block) == 256
    assert _ucs2(block, 0, 30) == "王䶮"
    assert _ucs2(block, 30, 2) == "1"
    assert _ucs2(block, 36, 16) == "19520708"
    assert _ucs2(block, 122, 36) == RESIDENT
    assert block[TYPE_OFFSET : TYPE_OFFSET + 2] == " ".encode("utf-16-le")
    hkmt = sam_card("hkmt", "陈大文", HONG_KONG).text_block()
    assert hkmt[248:250] == "J".encode("utf-16-le")
    assert _ucs2(hkmt, 220, 18).startswith("H")
    foreign = sam_card("foreign", "SMITH, JOHN", PERMIT, nationality="GBR").text_block()
    assert foreign[248:250] == "I".encode("utf-16-le")
    assert _ucs2(foreign, 0, 120) == "SMITH, JOHN"
    assert _ucs2(foreign, 122, 30) == PERMIT
    assert _ucs2(foreign, 152, 6) == "GBR"


def test_resident_id_card_with_a_rare_character_and_long_term_validity():
    card = sam_card("resident-id", "王䶮", RESIDENT, valid_to="长期")
    identity = parse_text_block(card.text_block())
    assert identity.name == "王䶮" and "\u4dae" in identity.name
    assert identity.id_number == RESIDENT
    assert identity.sex == "1"
    assert identity.birth_date == dt.date(1952, 7, 8)
    assert identity.card_kind == "resident_id"
    assert identity.valid_until == LONG_TERM == "long_term"
    assert identity.card_expiry is None
    assert identity.source == "sam_reader"
    assert identity.address is None  # not asked for


def test_a_fifteen_character_minority_name_with_the_middle_dot():
    assert len(LONG_MINORITY_NAME) == 15 and "·" in LONG_MINORITY_NAME
    card = sam_card("resident-id", LONG_MINORITY_NAME, MINORITY, valid_to=dt.date(2031, 5, 1))
    identity = parse_text_block(card.text_block())
    assert identity.name == LONG_MINORITY_NAME
    assert identity.sex == "2"
    assert identity.valid_until == dt.date(2031, 5, 1) == identity.card_expiry


def test_hkmt_residence_permit():
    card = sam_card("hkmt", "陈大文", HONG_KONG, valid_to=dt.date(2029, 3, 1))
    identity = parse_text_block(card.text_block())
    assert identity.card_kind == "residence_permit_hkmt"
    assert identity.id_number == HONG_KONG
    assert identity.card_number == card.pass_number and len(card.pass_number) == 9
    assert identity.birth_date == dt.date(1985, 3, 15)
    taiwan = parse_text_block(sam_card("hkmt", "林志明", TAIWAN).text_block())
    assert taiwan.card_kind == "residence_permit_hkmt" and taiwan.name == "林志明"


def test_foreign_permanent_resident_card():
    card = sam_card(
        "foreign",
        "约翰",
        PERMIT,
        name_en="SMITH, JOHN WILLIAM",
        nationality="CAN",
        sex="1",
        birth_date=dt.date(1975, 5, 20),
        valid_to=dt.date(2027, 8, 31),
    )
    identity = parse_text_block(card.text_block())
    assert identity.card_kind == "foreign_permanent_resident"
    assert identity.name == "约翰"
    assert identity.name_en == "SMITH, JOHN WILLIAM"
    assert identity.nationality == "CAN"
    assert identity.id_number == PERMIT
    assert identity.birth_date == dt.date(1975, 5, 20)
    assert identity.valid_until == dt.date(2027, 8, 31)


def test_a_foreign_card_without_a_chinese_name_is_named_in_english():
    identity = parse_text_block(sam_card("foreign", "NGUYEN VAN AN", PERMIT).text_block())
    assert identity.name == identity.name_en == "NGUYEN VAN AN"


def test_the_address_only_when_asked_for():
    card = sam_card("resident-id", "王䶮", RESIDENT, address="广东省清远市连南瑶族自治县一号")
    assert parse_text_block(card.text_block()).address is None
    identity = parse_text_block(card.text_block(), keep_address=True)
    assert identity.address == "广东省清远市连南瑶族自治县一号"
    assert "连南" not in repr(identity)


def _variant(card: SamCard, **changes) -> bytes:
    return dataclasses.replace(card, **changes).text_block()


BASE = sam_card("resident-id", "王䶮", RESIDENT)
WRONG_CHECK = "0" if RESIDENT[17] != "0" else "1"


@pytest.mark.parametrize(
    ("block", "words"),
    [
        (_variant(BASE, id_number=RESIDENT[:17] + WRONG_CHECK), "GB 11643"),
        (_variant(BASE, sex="2"), "sex field disagrees"),
        (_variant(BASE, sex="9"), "neither 1 nor 2"),
        (_variant(BASE, birth_date=dt.date(1952, 7, 9)), "birth date field disagrees"),
        (_variant(BASE, name=""), "name is empty"),
        (_variant(BASE, valid_to="20401332"), "not a real date"),
        (_variant(BASE, valid_to="2040"), "YYYYMMDD"),
        (_variant(BASE, valid_to="２０４００１０１"), "YYYYMMDD"),  # full-width digits
        (_variant(BASE, id_number=HONG_KONG), "港澳台 permit number"),
        (sam_card("hkmt", "陈大文", RESIDENT).text_block(), "810000"),
        (sam_card("hkmt", "陈大文", HONG_KONG, pass_number="").text_block(), "pass number"),
        (sam_card("foreign", "A B", "CA1110075052015").text_block(), "permit number"),
        (sam_card("foreign", "A B", PERMIT, nationality="C1N").text_block(), "alpha-3"),
        (sam_card("foreign", "约翰", PERMIT).text_block(), "English name"),
        (b"\x20\x00" * 100, "256"),
    ],
)
def test_wrong_card_data_is_refused_without_quoting_it(block, words):
    with pytest.raises(BadCardData, match=words) as caught:
        parse_text_block(block)
    message = str(caught.value)
    for secret in ("王", "䶮", RESIDENT, RESIDENT[:6], HONG_KONG, PERMIT):
        assert secret not in message


def test_a_card_type_we_do_not_read_is_unsupported_not_bad():
    with pytest.raises(UnsupportedCard, match="'Y' at byte 248"):
        parse_text_block(_variant(BASE, type_character="Y"))


def test_a_character_outside_ucs2_cannot_be_on_the_card():
    with pytest.raises(ValueError, match="BMP"):
        sam_card("resident-id", "王𠀀", RESIDENT).text_block()
    with pytest.raises(ValueError, match="15 characters"):
        sam_card("resident-id", "阿" * 16, RESIDENT).text_block()


def test_what_the_card_holds_is_shown_as_it_holds_it():
    # A private-use stand-in for a character UCS-2 lacks stays as the card holds it.
    identity = parse_text_block(sam_card("resident-id", "王\ue000", RESIDENT).text_block())
    assert identity.name == "王\ue000"
    # A lone surrogate cannot be shown: replaced, and the read still succeeds.
    block = bytearray(BASE.text_block())
    block[2:4] = b"\x00\xd8"
    assert parse_text_block(bytes(block)).name == "王\ufffd"


@settings(max_examples=1000, deadline=None)
@given(
    st.binary(min_size=256, max_size=256),
    st.sampled_from([b" \x00", b"J\x00", b"I\x00", b"\x00\x00", b"Y\x00"]),
)
def test_any_256_bytes_raise_only_card_errors(noise, type_bytes):
    block = noise[:248] + type_bytes + noise[250:]
    try:
        identity = parse_text_block(block)
    except CardError:
        return
    assert identity.card_kind in ("resident_id", "residence_permit_hkmt")
    assert idn.is_valid(identity.id_number)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_single_byte_corruptions_of_a_good_block_raise_only_card_errors(data):
    block = bytearray(BASE.text_block())
    for _ in range(data.draw(st.integers(1, 4))):
        block[data.draw(st.integers(0, 255))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(CardError):
        parse_text_block(bytes(block))
