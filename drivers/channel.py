"""A card channel: sends APDUs and does the T=0 chores pyscard leaves to us.

pyscard's `transmit` does not follow `61xx` (GET RESPONSE) or `6Cxx` (resend with the
right Le) itself (cards.md), so every profile talks through this class.
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.errors import CardNotResponding

SW_OK = 0x9000
MAX_GET_RESPONSE_ROUNDS = 16  # a card that keeps saying 61xx forever is broken, not slow

Transmit = Callable[[bytes], bytes]


class CardChannel:
    """Wraps a raw transmit function (response = data + SW1 SW2) and counts APDUs."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit
        self.apdus_sent = 0

    def _raw(self, apdu: bytes) -> tuple[bytes, int]:
        self.apdus_sent += 1
        response = self._transmit(apdu)
        if len(response) < 2:
            raise CardNotResponding(f"response of {len(response)} bytes has no status word")
        return response[:-2], (response[-2] << 8) | response[-1]

    def send(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command; return (data, status word) after 61xx/6Cxx handling."""
        data, sw = self._raw(apdu)
        if sw >> 8 == 0x6C and len(apdu) >= 4:
            # Wrong Le: the card tells the right one; resend the same command with it.
            data, sw = self._raw(apdu[:4] + bytes([sw & 0xFF]))
        collected = bytearray(data)
        rounds = 0
        while sw >> 8 == 0x61:
            rounds += 1
            if rounds > MAX_GET_RESPONSE_ROUNDS:
                raise CardNotResponding("card kept answering 61xx")
            more, sw = self._raw(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
            collected += more
        return bytes(collected), sw
