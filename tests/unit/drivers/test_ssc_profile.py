"""The profile against the emulated card's state machine, APDU by APDU (no PC/SC here;
the same card goes through real pcscd in tests/e2e)."""

import datetime as dt

import pytest

from drivers import id_number as idn
from drivers.channel import CardChannel
from drivers.errors import BadCardData, CardNotResponding, UnsupportedCard
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.ssc_profile import EF06, SocialSecurityCardProfile

NUMBER = idn.with_check_character("44528119520708131")


def read(card, log=None):
    def transmit(apdu):
        response = card.process(apdu)
        if log is not None:
            log.append((apdu, response))
        return response

    channel = CardChannel(transmit)
    return SocialSecurityCardProfile().read_identity(channel), channel.apdus_sent


def test_reads_name_outside_gbk_and_all_fields():
    card = EmulatedSocialSecurityCard(
        SocialSecurityCardData("王䶮", NUMBER, card_number="A00000001")
    )
    identity, apdus = read(card)
    assert identity.name == "王䶮"
    assert identity.id_number == NUMBER
    assert identity.birth_date == dt.date(1952, 7, 8)
    assert identity.sex == "1"
    assert identity.card_number == "A00000001"
    assert identity.card_expiry == dt.date(2029, 6, 1)
    assert apdus == 9  # SELECT SSSE, SELECT EF06, 4 reads, SELECT EF05, 2 reads


def test_a_name_that_fills_all_30_bytes_has_no_padding_to_strip():
    long_name = "欧阳" + "娜" * 13  # 15 two-byte characters = exactly 30 bytes
    assert len(long_name.encode("gb18030")) == 30
    identity, _ = read(EmulatedSocialSecurityCard(SocialSecurityCardData(long_name, NUMBER)))
    assert identity.name == long_name


def test_names_are_decoded_as_gb18030_not_gbk():
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")
    identity, _ = read(EmulatedSocialSecurityCard(SocialSecurityCardData("王䶮", NUMBER)))
    assert identity.name == "王䶮"


class NoApplicationName(EmulatedSocialSecurityCard):
    """Cards that answer 6A82 to the SSSE name but expose EF05/EF06 directly."""

    def process(self, apdu):
        if apdu[1] == 0xA4 and apdu[2] == 0x04:
            return b"\x6a\x82"
        return super().process(apdu)


def test_falls_back_to_selecting_the_files_when_ssse_is_not_found():
    identity, apdus = read(NoApplicationName(SocialSecurityCardData("陈秀英", NUMBER)))
    assert identity.name == "陈秀英"
    assert apdus == 9


class ForeignCard(EmulatedSocialSecurityCard):
    def process(self, apdu):
        return b"\x6a\x82" if apdu[1] == 0xA4 else b"\x6d\x00"


class BankCard(EmulatedSocialSecurityCard):
    def process(self, apdu):
        return b"\x6a\x81"  # function not supported


@pytest.mark.parametrize("card_class", [ForeignCard, BankCard])
def test_other_cards_are_unsupported_not_errors(card_class):
    with pytest.raises(UnsupportedCard):
        read(card_class(SocialSecurityCardData("陈秀英", NUMBER)))


def test_bad_check_digit_is_bad_card_data():
    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    with pytest.raises(BadCardData, match="check digit"):
        read(EmulatedSocialSecurityCard(SocialSecurityCardData("陈秀英", wrong)))


def test_birth_date_field_disagreeing_with_id_number_is_bad_card_data():
    data = SocialSecurityCardData(
        "陈秀英", NUMBER, extra_records={EF06: {0x0D: b"\x19\x60\x01\x01"}}
    )
    with pytest.raises(BadCardData, match="birth date"):
        read(EmulatedSocialSecurityCard(data))


def test_malformed_tlv_is_bad_card_data():
    class WrongTag(EmulatedSocialSecurityCard):
        def process(self, apdu):
            response = super().process(apdu)
            if apdu[1] == 0xB2 and apdu[2] == 0x09 and response[-2:] == b"\x90\x00":
                return b"\x99" + response[1:]
            return response

    with pytest.raises(BadCardData, match="TLV"):
        read(WrongTag(SocialSecurityCardData("陈秀英", NUMBER)))


class T0Card(EmulatedSocialSecurityCard):
    """Answers reads with 61xx, the data only through GET RESPONSE (T=0 style)."""

    def __init__(self, data):
        super().__init__(data)
        self._pending = b""

    def process(self, apdu):
        if apdu[1] == 0xC0:
            data, self._pending = self._pending[: apdu[4]], self._pending[apdu[4] :]
            return data + (bytes([0x61, len(self._pending)]) if self._pending else b"\x90\x00")
        response = super().process(apdu)
        if apdu[1] == 0xB2 and response[-2:] == b"\x90\x00":
            self._pending = response[:-2]
            return bytes([0x61, len(self._pending)])
        return response


def test_t0_cards_are_read_through_get_response():
    log = []
    identity, apdus = read(T0Card(SocialSecurityCardData("王䶮", NUMBER)), log)
    assert identity.name == "王䶮"
    assert sum(1 for apdu, _ in log if apdu[1] == 0xC0) == 6
    assert apdus == 15


class WrongLeCard(EmulatedSocialSecurityCard):
    """Insists on Le = 0 first time round, then tells the right Le with 6Cxx."""

    def process(self, apdu):
        if apdu[1] == 0xB2 and len(apdu) == 5 and apdu[4] != 0:
            response = super().process(apdu[:4] + b"\x00")
            if response[-2:] == b"\x90\x00" and apdu[4] != len(response) - 2:
                return bytes([0x6C, len(response) - 2])
        return super().process(apdu)


def test_wrong_le_answers_6cxx_are_resent_with_the_right_length():
    class ShortLe(WrongLeCard):
        def process(self, apdu):
            if apdu[1] == 0xB2 and apdu[2] == 0x09 and apdu[4] == 0x20:
                return b"\x6c\x22"  # pretend the name record is 34 bytes long
            if apdu[1] == 0xB2 and apdu[2] == 0x09 and apdu[4] == 0x22:
                return super().process(apdu[:4] + b"\x20")
            return super().process(apdu)

    log = []
    identity, apdus = read(ShortLe(SocialSecurityCardData("王䶮", NUMBER)), log)
    assert identity.name == "王䶮"
    assert apdus == 10


class PinCard(EmulatedSocialSecurityCard):
    def __init__(self, data, accepted_pin=b"\x88\x88\x88"):
        super().__init__(data)
        self.verified = False
        self.accepted_pin = accepted_pin

    def process(self, apdu):
        if apdu[1] == 0x20:
            self.verified = apdu[5:8] == self.accepted_pin
            return b"\x90\x00" if self.verified else b"\x63\xc2"
        if apdu[1] == 0xB2 and not self.verified:
            return b"\x69\x82"
        return super().process(apdu)


def test_default_pin_is_verified_once_when_a_field_asks_for_it():
    log = []
    identity, _ = read(PinCard(SocialSecurityCardData("王䶮", NUMBER)), log)
    assert identity.id_number == NUMBER
    assert sum(1 for apdu, _ in log if apdu[1] == 0x20) == 1


def test_a_card_with_a_personal_pin_is_unsupported():
    with pytest.raises(UnsupportedCard, match="PIN"):
        read(PinCard(SocialSecurityCardData("王䶮", NUMBER), accepted_pin=b"\x12\x34\x56"))


def test_a_response_without_status_word_is_not_responding():
    with pytest.raises(CardNotResponding):
        SocialSecurityCardProfile().read_identity(CardChannel(lambda apdu: b"\x90"))
