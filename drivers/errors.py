"""The card faults a villager can meet, one class each.

`kind` is a stable word the core maps to a plain villager message; `str(error)` is the
technical detail for staff and logs. Details never carry a name or an ID number.
"""


class CardError(Exception):
    """Base of every fault the drivers report."""

    kind = "card_error"


class PcscUnavailable(CardError):
    """pcscd is not running or not reachable."""

    kind = "pcsc_unavailable"


class NoReader(CardError):
    """pcscd runs but lists no reader."""

    kind = "no_reader"


class NoCard(CardError):
    """Readers are present but none holds a card."""

    kind = "no_card"


class UnsupportedCard(CardError):
    """A card is present but it is not one we can read."""

    kind = "unsupported_card"


class BadCardData(CardError):
    """The card answered, but what it holds is malformed or fails its checks."""

    kind = "bad_card_data"


class CardRemoved(CardError):
    """The card left the reader before the read finished."""

    kind = "card_removed"


class CardNotResponding(CardError):
    """The card stopped answering (or answered at the transport level with an error)."""

    kind = "card_not_responding"


class ReaderBusy(CardError):
    """The reader's port is held by another program (a second kiosk, doctor, a vendor tool).

    A serial line carries one conversation: two programs interleaving frames would garble
    both, so the SAM reader's port is opened exclusively.
    """

    kind = "reader_busy"


class BadFrame(CardNotResponding):
    """The reader's answer arrived garbled: bad preamble, length or XOR checksum, or cut short.

    Kept under `card_not_responding` (an error at the transport level): the villager is
    asked to place the card again, which is what clears a one-off glitch; the class and the
    message tell staff it was the line, not the card.
    """


class SamError(CardError):
    """The reader's security module (SAM) refused or failed a command, or answered with a
    status GA/T 467 does not define. Staff must look at the reader."""

    kind = "sam_error"
