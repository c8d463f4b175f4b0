"""The kiosk's card readers as one: the PC/SC reader (social security cards) and, when
`id_card_port` is set, the SAM reader (resident ID cards and permits).

Each reader service runs its own device thread (drivers/) and posts the same events. The
desk passes card events on unchanged and folds the readers' states into one: the kiosk is
ready while any reader is, the villager is told which cards it can take now, and staff
see every reader's state. A reader failing beside a working one is logged once per change,
so a maintainer finds it, but the villager is not turned away.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from drivers.events import READY, CardEvent, ReadersChanged
from drivers.pcsc.service import CardReaderService
from drivers.ssc_profile import SocialSecurityCardProfile
from kiosk import events, messages
from kiosk.config import KioskConfig

if TYPE_CHECKING:
    from drivers.sam.service import SamReaderService

log = logging.getLogger(__name__)

SOCIAL_SECURITY_READER = "social_security"  # the PC/SC reader
ID_CARD_READER = "id_card"  # the SAM reader
READER_CAPTIONS = {SOCIAL_SECURITY_READER: "社保卡 reader", ID_CARD_READER: "ID-card reader"}


def _reader_detail(state: ReadersChanged) -> str:
    return state.detail or ", ".join(state.readers)


def combined_status(states: dict[str, ReadersChanged]) -> events.ReaderStatusChanged:
    """One status for the villager from every reader's last state (in declaration order)."""
    ready = tuple(name for name, state in states.items() if state.state == READY)
    detail = "; ".join(
        f"{READER_CAPTIONS.get(name, name)}: {state.state} ({_reader_detail(state)})"
        for name, state in states.items()
    )
    if ready:
        return events.ReaderStatusChanged(READY, messages.ready_for(ready), detail)
    # Nothing can read: the first reader's problem is the one the villager hears.
    first = next(iter(states.values()))
    return events.ReaderStatusChanged(first.state, messages.reader_state(first.state), detail)


class CardDesk:
    """Starts and stops the readers; `listener` gets every card event and the combined
    `events.ReaderStatusChanged`, on the readers' device threads (it must not block)."""

    def __init__(
        self,
        config: KioskConfig,
        on_card: Callable[[CardEvent], None],
        on_status: Callable[[events.ReaderStatusChanged], None],
    ) -> None:
        self._on_card = on_card
        self._on_status = on_status
        self._lock = threading.Lock()
        self._states: dict[str, ReadersChanged] = {}
        self._services: dict[str, CardReaderService | SamReaderService] = {
            SOCIAL_SECURITY_READER: CardReaderService(
                SocialSecurityCardProfile(),
                lambda event: self.report(SOCIAL_SECURITY_READER, event),
                read_timeout_s=config.card_read_timeout_s,
            )
        }
        if config.id_card_port:
            # Imported only when there is an ID-card reader: pyserial and the SAM driver
            # cost a kiosk with social security cards only nothing.
            from drivers.sam.service import SamReaderService

            self._services[ID_CARD_READER] = SamReaderService(
                str(config.id_card_port),
                lambda event: self.report(ID_CARD_READER, event),
                baud=config.id_card_baud,
                read_timeout_s=config.card_read_timeout_s,
            )

    @property
    def readers(self) -> tuple[str, ...]:
        return tuple(self._services)

    def start(self) -> None:
        for service in self._services.values():
            service.start()

    def stop(self) -> None:
        for service in self._services.values():
            service.stop()

    def report(self, reader: str, event: CardEvent) -> None:
        """What reader `reader` posts (its device thread, or `KioskCore.present_card`)."""
        if not isinstance(event, ReadersChanged):
            self._on_card(event)
            return
        if event.state != READY:
            log.warning("%s: %s %s", READER_CAPTIONS[reader], event.state, event.detail)
        with self._lock:
            self._states[reader] = event
            # Readers that have not reported yet are left out, not counted as broken.
            ordered = {name: self._states[name] for name in self._services if name in self._states}
            # Passed on under the lock: two readers reporting at once must not leave the
            # older combination as the last word (the listener only records and re-posts).
            self._on_status(combined_status(ordered))
