"""What a reader service tells its listener: the same event types for every reader.

Both the PC/SC service (drivers/pcsc/service.py) and the SAM ID-card reader service
(drivers/sam/service.py) post these, each from its own device thread, so the core handles
a social security card and a resident ID card alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from drivers.errors import CardError
from drivers.identity import Identity

# ReadersChanged.state values. PC/SC: pcsc_unavailable | no_reader | ready.
# SAM reader: no_reader (port missing or unplugged) | reader_busy (port held by another
# program) | reader_not_responding (port open, no or garbled answers) | sam_error (the
# security module reports a fault) | ready.
READY = "ready"
NO_READER = "no_reader"
PCSC_UNAVAILABLE = "pcsc_unavailable"
READER_BUSY = "reader_busy"
READER_NOT_RESPONDING = "reader_not_responding"
SAM_ERROR = "sam_error"
READER_STATES = (READY, NO_READER, PCSC_UNAVAILABLE, READER_BUSY, READER_NOT_RESPONDING, SAM_ERROR)


@dataclass(frozen=True)
class ReadersChanged:
    """A reader service's state changed; `state` is one of READER_STATES, `detail` for staff."""

    state: str
    readers: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True)
class CardInserted:
    reader: str
    detected_at: float  # time.monotonic() when the reader reported the card


@dataclass(frozen=True)
class CardIdentified:
    reader: str
    identity: Identity
    detected_at: float
    identified_at: float
    apdus_sent: int  # commands sent for this read: APDUs (PC/SC) or frames (SAM reader)


@dataclass(frozen=True)
class CardFailed:
    reader: str
    error: CardError


@dataclass(frozen=True)
class CardLeft:
    reader: str


CardEvent = ReadersChanged | CardInserted | CardIdentified | CardFailed | CardLeft
Listener = Callable[[CardEvent], None]


def post(listener: Listener, event: CardEvent) -> None:
    """Hand `event` to the listener; a listener bug is logged and never kills the device
    thread that posts (every reader service posts this way)."""
    try:
        listener(event)
    except Exception:
        logging.getLogger(__name__).exception(
            "card event listener failed on %s", type(event).__name__
        )
