"""Card readers, card profiles and simulated cards.

Imports nothing else of ours and never Qt (see ARCHITECTURE.md). Everything a card
yields leaves this package as an `Identity`; every failure as a `CardError` subclass.
"""

from drivers.errors import (
    BadCardData,
    BadFrame,
    CardError,
    CardNotResponding,
    CardRemoved,
    NoCard,
    NoReader,
    PcscUnavailable,
    ReaderBusy,
    SamError,
    UnsupportedCard,
)
from drivers.identity import Identity

__all__ = [
    "BadCardData",
    "BadFrame",
    "CardError",
    "CardNotResponding",
    "CardRemoved",
    "Identity",
    "NoCard",
    "NoReader",
    "PcscUnavailable",
    "ReaderBusy",
    "SamError",
    "UnsupportedCard",
]
