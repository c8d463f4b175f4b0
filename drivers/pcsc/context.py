"""One PC/SC context and the calls we make on it, with errors mapped to `CardError`s.

Not thread-safe by design: it belongs to the device thread (or to a one-shot CLI read).
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcard import scard

from drivers.channel import CardChannel
from drivers.errors import (
    CardError,
    CardNotResponding,
    CardRemoved,
    NoCard,
    PcscUnavailable,
    UnsupportedCard,
)

PRESENCE_POLL_MS = 600  # pcscd polls vpcd presence every 400 ms; one poll plus margin
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"

_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
}
_CARD_GONE = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD}


def describe(code: int) -> str:
    return f"{scard.SCardGetErrorMessage(code).strip()} (0x{code & 0xFFFFFFFF:08X})"


@dataclass
class ReaderState:
    """What one SCardGetStatusChange said about one reader."""

    name: str
    flags: int
    atr: bytes

    @property
    def card_present(self) -> bool:
        return bool(self.flags & scard.SCARD_STATE_PRESENT)

    @property
    def card_mute(self) -> bool:
        return bool(self.flags & scard.SCARD_STATE_MUTE)


class PcscContext:
    """An established PC/SC context."""

    def __init__(self) -> None:
        result, self._handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if result != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(f"SCardEstablishContext: {describe(result)}")

    def release(self) -> None:
        if self._handle is not None:
            scard.SCardReleaseContext(self._handle)
            self._handle = None

    def cancel(self) -> None:
        """Wake a blocked SCardGetStatusChange; the one call PC/SC allows from any thread."""
        if self._handle is not None:
            scard.SCardCancel(self._handle)

    def list_readers(self) -> list[str]:
        result, readers = scard.SCardListReaders(self._handle, [])
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if result in _SERVICE_GONE:
            raise PcscUnavailable(f"SCardListReaders: {describe(result)}")
        if result != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(f"SCardListReaders: {describe(result)}")
        return list(readers)

    def wait_for_change(
        self, known: dict[str, int], timeout_ms: int, watch_plug_events: bool = True
    ) -> list[ReaderState] | None:
        """Block until a reader's state differs from `known` (or a reader comes or goes).

        Returns None on timeout or cancel; raises PcscUnavailable if pcscd went away.
        """
        states = [(name, flags) for name, flags in known.items()]
        if watch_plug_events:
            states.append((PNP_NOTIFICATION, known.get(PNP_NOTIFICATION, 0)))
        result, new_states = scard.SCardGetStatusChange(self._handle, timeout_ms, states)
        if result in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            return None
        if result != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(f"SCardGetStatusChange: {describe(result)}")
        return [ReaderState(name, flags, bytes(atr)) for name, flags, atr in new_states]

    def current_states(self, readers: list[str]) -> list[ReaderState]:
        """The present state of each reader, without waiting."""
        if not readers:
            return []
        result, new_states = scard.SCardGetStatusChange(
            self._handle, 0, [(name, scard.SCARD_STATE_UNAWARE) for name in readers]
        )
        if result not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
            raise PcscUnavailable(f"SCardGetStatusChange: {describe(result)}")
        return [ReaderState(name, flags, bytes(atr)) for name, flags, atr in new_states]

    def connect(self, reader: str) -> CardConnection:
        result, card, protocol = scard.SCardConnect(
            self._handle,
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if result == scard.SCARD_S_SUCCESS:
            return CardConnection(self, reader, card, protocol)
        if result in _SERVICE_GONE:
            raise PcscUnavailable(f"SCardConnect: {describe(result)}")
        if result in _CARD_GONE:
            raise NoCard(f"SCardConnect: {describe(result)}")
        if result == scard.SCARD_W_UNRESPONSIVE_CARD:
            raise UnsupportedCard(f"card does not answer reset: {describe(result)}")
        raise CardNotResponding(f"SCardConnect: {describe(result)}")

    def card_still_present(self, reader: str, settle_ms: int = PRESENCE_POLL_MS) -> bool:
        """After a failed command: is the card still there once pcscd has polled again?

        pcscd learns of a removal only at its next presence poll (400 ms on vpcd), so ask
        for a change for up to one poll period before calling the card unresponsive.
        """
        try:
            states = self.current_states([reader])
            if not states or not states[0].card_present:
                return False
            flags = states[0].flags & ~scard.SCARD_STATE_CHANGED
            changed = self.wait_for_change({reader: flags}, settle_ms, watch_plug_events=False)
        except CardError:
            return False
        if not changed:
            return True
        return changed[0].card_present


class CardConnection:
    """A connected card; `channel()` gives the APDU channel the profiles use."""

    def __init__(self, context: PcscContext, reader: str, handle: int, protocol: int) -> None:
        self._context = context
        self.reader = reader
        self._handle = handle
        self._protocol = protocol

    def transmit(self, apdu: bytes) -> bytes:
        result, response = scard.SCardTransmit(self._handle, self._protocol, list(apdu))
        if result == scard.SCARD_S_SUCCESS and len(response) >= 2:
            return bytes(response)
        if result in _SERVICE_GONE:
            raise PcscUnavailable(f"SCardTransmit: {describe(result)}")
        if result == scard.SCARD_S_SUCCESS:
            # vpcd (and some readers) report success with no status word when the card
            # vanished mid-command.
            if not self._context.card_still_present(self.reader):
                raise CardRemoved(f"SCardTransmit: {len(response)}-byte response, card gone")
            raise CardNotResponding(f"SCardTransmit: {len(response)}-byte response")
        # A failed transmit means the card left, or it is present and not answering.
        if result in _CARD_GONE or not self._context.card_still_present(self.reader):
            raise CardRemoved(f"SCardTransmit: {describe(result)}")
        raise CardNotResponding(f"SCardTransmit: {describe(result)}")

    def channel(self) -> CardChannel:
        return CardChannel(self.transmit)

    def disconnect(self) -> None:
        if self._handle is not None:
            scard.SCardDisconnect(self._handle, scard.SCARD_LEAVE_CARD)
            self._handle = None
