"""Emulated cards on the real vpcd slots, and waiting for pcscd to see them come and go."""

from __future__ import annotations

from drivers import id_number as idn
from drivers.pcsc.context import PcscContext
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.simulated.vpcd_link import VpcdLink
from tests.helpers.waiting import wait_for

READER_NAMES = ("Virtual PCD 00 00", "Virtual PCD 00 01")
# Fictitious people with valid check digits; 䶮 (U+4DAE) is outside GBK.
WANG_YAN = ("王䶮", idn.with_check_character("44528119520708131"))
CHEN_XIUYING = ("陈秀英", idn.with_check_character("44010219480315242"))


def reader_has_card(reader_index: int) -> bool:
    context = PcscContext()
    try:
        states = context.current_states([READER_NAMES[reader_index]])
        return bool(states) and states[0].card_present
    finally:
        context.release()


def wait_for_presence(reader_index: int, present: bool, timeout_s: float = 5.0) -> None:
    wait_for(
        lambda: reader_has_card(reader_index) == present,
        timeout_s,
        f"reader {reader_index} to become {'full' if present else 'empty'}",
    )


class CardSlots:
    """Insert and remove emulated cards; whatever is left inserted is removed at teardown."""

    def __init__(self) -> None:
        self._links: dict[int, VpcdLink] = {}

    def insert(self, name: str, id_number: str, reader: int = 0, card=None) -> VpcdLink:
        self.remove(reader)
        card = card or EmulatedSocialSecurityCard(SocialSecurityCardData(name, id_number))
        link = VpcdLink(card, reader)
        link.insert()
        self._links[reader] = link
        return link

    def remove(self, reader: int = 0) -> None:
        link = self._links.pop(reader, None)
        if link is not None:
            link.remove()

    def remove_all_and_wait(self) -> None:
        for reader in list(self._links):
            self.remove(reader)
        for reader in range(len(READER_NAMES)):
            wait_for_presence(reader, False)
