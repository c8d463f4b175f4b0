"""Events the core emits, as plain objects. `ui/` re-emits them as Qt signals.

Listeners are called on whichever thread produced the event (device or sync thread) and
must not block.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.session import Session
from kiosk.text import Text


@dataclass(frozen=True)
class ReaderStatusChanged:
    state: str  # pcsc_unavailable | no_reader | ready
    message: Text  # for the villager
    detail: str  # for staff


@dataclass(frozen=True)
class CardReading:
    reader: str


@dataclass(frozen=True)
class SessionStarted:
    """A card was read; the villager now picks a service from the home screen."""

    session: Session
    card_event_at: float  # monotonic time PC/SC reported the card (for latency figures)
    identified_at: float  # monotonic time the profile returned the Identity
    apdus_sent: int


@dataclass(frozen=True)
class SessionEnded:
    reason: str  # card_left | finished | declined | home | refused | idle | shutdown


@dataclass(frozen=True)
class CardLeftReader:
    """A card left a reader while no session was running on it (e.g. after a problem)."""

    reader: str


@dataclass(frozen=True)
class CardProblem:
    kind: str
    message: Text
    detail: str


@dataclass(frozen=True)
class Notice:
    message: Text


@dataclass(frozen=True)
class SyncFinished:
    sent: int
    failed: int
    quarantined: int
    unsent: int


@dataclass(frozen=True)
class SyncProgress:
    done: int
    total: int


@dataclass(frozen=True)
class StaffAlert:
    """Something staff must act on (shown on the staff screen, logged)."""

    message: Text
    detail: str


@dataclass(frozen=True)
class CardVerified:
    """Verifier mode: the answer for a swiped card (kiosk/verification.py). The window
    shows it as colour + pictogram + word; nothing of the card is kept."""

    result: str  # pass | manual | deny | unknown
    label: Text  # the word for the result, as the list names it
    title: Text  # the check, as the list names it
    masked_name: str
    source: str  # online | offline | none
    list_age_s: float | None  # the held list's age (shown with offline answers)
    list_sequence: int | None
    reason: str  # why unknown or downgraded, a code for staff (no personal data)
    identified_at: float = 0.0  # monotonic: the card's Identity was read (latency figures)


CoreEvent = (
    CardVerified
    | ReaderStatusChanged
    | CardReading
    | SessionStarted
    | SessionEnded
    | CardLeftReader
    | CardProblem
    | Notice
    | SyncFinished
    | SyncProgress
    | StaffAlert
)
