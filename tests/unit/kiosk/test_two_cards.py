"""A villager with both cards, or the next in line: a card read on the other reader while a
session runs waits, and starts the next session once the first card leaves."""

import datetime as dt

from drivers.events import CardIdentified, CardLeft
from drivers.identity import RESIDENT_ID, Identity
from kiosk import events, messages
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from tests.helpers.cards import CHEN_XIUYING, WANG_YAN
from tests.helpers.enrolment import enrolled

SSC_READER, SAM_READER = "Virtual PCD 00 00", "SAM /dev/ttyUSB0"


def identified(reader: str, holder: tuple[str, str], kind: str = "social_security"):
    identity = Identity(holder[0], holder[1], "2", dt.date(1948, 3, 15), card_kind=kind)
    return CardIdentified(reader, identity, 0.0, 0.0, 9)


def make_core(tmp_path) -> tuple[KioskCore, list]:
    core = KioskCore(KioskConfig.load(tmp_path, **enrolled(tmp_path)))
    seen: list = []
    core.add_listener(seen.append)
    return core, seen


def test_the_waiting_card_starts_the_next_session_when_the_first_leaves(tmp_path):
    core, seen = make_core(tmp_path)
    try:
        core.present_card(identified(SAM_READER, CHEN_XIUYING, RESIDENT_ID))
        assert core.session.reader == SAM_READER
        core.present_card(identified(SSC_READER, CHEN_XIUYING))  # her social security card
        assert core.session.reader == SAM_READER  # the ID card's session goes on
        assert events.Notice(messages.SECOND_CARD_WAITING) in seen

        first = core.session
        core.present_card(CardLeft(SAM_READER))  # she takes the ID card back
        assert first.identity is None  # wiped
        assert core.session is not None and core.session.reader == SSC_READER
        assert core.session.identity.card_kind == "social_security"
        kinds = [type(event).__name__ for event in seen]
        assert kinds.count("SessionStarted") == 2 and kinds.count("SessionEnded") == 1
    finally:
        core.stop()


def test_a_waiting_card_taken_away_is_forgotten(tmp_path):
    core, seen = make_core(tmp_path)
    try:
        core.present_card(identified(SSC_READER, WANG_YAN))
        core.present_card(identified(SAM_READER, CHEN_XIUYING, RESIDENT_ID))
        core.present_card(CardLeft(SAM_READER))  # the next in line changed their mind
        core.present_card(CardLeft(SSC_READER))
        assert core.session is None  # nobody's data is held for a card no longer there
        assert [type(e).__name__ for e in seen].count("SessionStarted") == 1
    finally:
        core.stop()


def test_a_card_left_on_another_reader_never_ends_this_session(tmp_path):
    core, _ = make_core(tmp_path)
    try:
        core.present_card(identified(SSC_READER, WANG_YAN))
        session = core.session
        core.present_card(CardLeft(SAM_READER))
        assert core.session is session
        core.end_session("idle", reader=SAM_READER)  # only a session on that reader
        assert core.session is session
    finally:
        core.stop()


def test_shutdown_forgets_waiting_cards(tmp_path):
    core, _ = make_core(tmp_path)
    core.present_card(identified(SSC_READER, WANG_YAN))
    waiting = identified(SAM_READER, CHEN_XIUYING, RESIDENT_ID)
    core.present_card(waiting)
    core.stop()
    assert core.session is None
