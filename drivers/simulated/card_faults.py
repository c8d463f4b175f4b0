"""Fault injection for the emulated card: for tests, demos and staff training.

`FaultyCard` wraps an emulated card and misbehaves as real cards do: slowly, not at all
(hang), pulled out after the k-th APDU, T=0 style (61xx / GET RESPONSE), asking for the
default PIN, or holding wrong data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.ssc_profile import EF06, TAG_BIRTH_DATE, TAG_NAME

PROFILES = (
    "normal",
    "slow",
    "hang",
    "remove-mid-read",
    "t0",
    "pin",
    "bad-check-digit",
    "bad-tlv",
    "bad-length",
    "bad-date",
    "foreign",
)


class CardWithdrawn(Exception):
    """Raised by `process` to make the link drop the connection: the card is pulled."""


HANG = None  # `process` returns this to never answer (vpcd then blocks SCardTransmit)


@dataclass(frozen=True)
class CardFaults:
    delay_s: float = 0.0  # before every answer
    hang_at_apdu: int | None = None  # 1-based: never answer this APDU
    remove_at_apdu: int | None = None  # 1-based: pulled out instead of answering it
    t0: bool = False
    pin_required: bool = False
    foreign: bool = False  # a card of another kind: no SSSE, no EFs
    tlv_fault: str | None = None  # "tag" (wrong tag) | "length" (length beyond the data)


class FaultyCard:
    def __init__(self, card: EmulatedSocialSecurityCard, faults: CardFaults) -> None:
        self._card = card
        self.faults = faults
        self.atr = card.atr
        self.apdus_seen = 0
        self._pending = b""
        self._verified = False

    def reset(self) -> None:
        self._card.reset()
        self._pending = b""
        self._verified = False

    def process(self, apdu: bytes) -> bytes | None:
        self.apdus_seen += 1
        f = self.faults
        if f.remove_at_apdu == self.apdus_seen:
            raise CardWithdrawn
        if f.hang_at_apdu is not None and self.apdus_seen >= f.hang_at_apdu:
            return HANG
        if f.delay_s:
            time.sleep(f.delay_s)
        if f.foreign:
            return b"\x6a\x82" if apdu[1] == 0xA4 else b"\x6d\x00"
        if f.t0 and apdu[1] == 0xC0:
            data, self._pending = self._pending[: apdu[4]], self._pending[apdu[4] :]
            return data + (bytes([0x61, len(self._pending)]) if self._pending else b"\x90\x00")
        if f.pin_required:
            if apdu[1] == 0x20:
                self._verified = apdu[5:8] == b"\x88\x88\x88"
                return b"\x90\x00" if self._verified else b"\x63\xc2"
            if apdu[1] == 0xB2 and not self._verified:
                return b"\x69\x82"
        response = self._card.process(apdu)
        if apdu[1] == 0xB2 and response[-2:] == b"\x90\x00":
            response = self._corrupt(apdu[2], response)
            if f.t0:
                self._pending = response[:-2]
                return bytes([0x61, len(self._pending)])
        return response

    def _corrupt(self, tag: int, response: bytes) -> bytes:
        if tag != TAG_NAME or self.faults.tlv_fault is None:
            return response
        if self.faults.tlv_fault == "tag":
            return b"\x99" + response[1:]
        return response[:1] + b"\xff" + response[2:]  # length 255, far beyond the data


def faulty_card(
    name: str, id_number: str, profile: str, delay_ms: float = 0, at_apdu: int = 3
) -> FaultyCard:
    """A card for one of `PROFILES`; `delay_ms` for slow, `at_apdu` for hang / removal."""
    data = SocialSecurityCardData(name, id_number)
    faults = CardFaults()
    if profile == "slow":
        faults = replace(faults, delay_s=(delay_ms or 200) / 1000)
    elif profile == "hang":
        faults = replace(faults, hang_at_apdu=at_apdu)
    elif profile == "remove-mid-read":
        faults = replace(faults, remove_at_apdu=at_apdu)
    elif profile == "t0":
        faults = replace(faults, t0=True)
    elif profile == "pin":
        faults = replace(faults, pin_required=True)
    elif profile == "foreign":
        faults = replace(faults, foreign=True)
    elif profile == "bad-tlv":
        faults = replace(faults, tlv_fault="tag")
    elif profile == "bad-length":
        faults = replace(faults, tlv_fault="length")
    elif profile == "bad-check-digit":
        last = "0" if id_number[17] != "0" else "1"
        data = replace(data, id_number=id_number[:17] + last)
    elif profile == "bad-date":
        data = replace(data, extra_records={EF06: {TAG_BIRTH_DATE: b"\x19\x99\x13\x45"}})
    elif profile != "normal":
        raise ValueError(f"unknown card profile {profile!r}; one of {', '.join(PROFILES)}")
    return FaultyCard(EmulatedSocialSecurityCard(data), faults)
