"""Two readers, one status: the villager hears which cards work now, staff see each reader."""

from drivers.events import ReadersChanged
from kiosk.card_desk import combined_status

PCSC_READY = ReadersChanged("ready", ("Virtual PCD 00 00",))
PCSC_GONE = ReadersChanged("pcsc_unavailable", (), "pcscd is not running")
SAM_READY = ReadersChanged("ready", ("SAM /dev/ttyUSB0",))
SAM_UNPLUGGED = ReadersChanged("no_reader", (), "/dev/ttyUSB0: no such device")


def test_both_readers_ready_asks_for_either_card():
    status = combined_status({"social_security": PCSC_READY, "id_card": SAM_READY})
    assert status.state == "ready"
    assert "社保卡" in status.message.zh and "身份证" in status.message.zh


def test_one_reader_down_still_serves_with_the_other_and_tells_staff():
    status = combined_status({"social_security": PCSC_GONE, "id_card": SAM_READY})
    assert status.state == "ready"
    assert "身份证" in status.message.zh and "社保卡" not in status.message.zh
    assert "pcscd is not running" in status.detail  # staff still see what is wrong

    status = combined_status({"social_security": PCSC_READY, "id_card": SAM_UNPLUGGED})
    assert status.state == "ready" and status.message.zh == "请插入社保卡"
    assert "no such device" in status.detail


def test_no_reader_working_gives_the_first_readers_problem():
    status = combined_status({"social_security": PCSC_GONE, "id_card": SAM_UNPLUGGED})
    assert status.state == "pcsc_unavailable"
    assert "工作人员" in status.message.zh  # ask a staff member
    assert "pcscd" in status.detail and "ttyUSB0" in status.detail


def test_an_id_card_reader_alone():
    status = combined_status({"id_card": SAM_READY})
    assert status.state == "ready" and "身份证" in status.message.zh


def test_the_start_screens_hint_shows_whichever_cards_are_ready():
    from kiosk.messages import attract_hint

    for states in (
        {"social_security": PCSC_READY},
        {"id_card": SAM_READY},
        {"social_security": PCSC_READY, "id_card": SAM_READY},
    ):
        assert attract_hint(combined_status(states).state) is not None
    assert attract_hint(combined_status({"social_security": PCSC_GONE}).state) is None
