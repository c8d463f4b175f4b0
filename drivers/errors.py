"""The card faults a villager can meet, one class each.

`kind` is a stable word the core maps to a plain villager message; `str(error)` is the
technical detail for staff and logs. `fix` is what a maintainer should do about it, for
`kiosk card read` and `kiosk doctor` (the villager's wording lives in kiosk/messages.py).
Details never carry a name or an ID number.
"""


class CardError(Exception):
    """Base of every fault the drivers report."""

    kind = "card_error"
    fix = "the card could not be read: remove it and try again."


class PcscUnavailable(CardError):
    """pcscd is not running or not reachable."""

    kind = "pcsc_unavailable"
    fix = "pcscd is not running: start it (as root: pcscd --foreground &; Debian package pcscd)."


class NoReader(CardError):
    """pcscd runs but lists no reader."""

    kind = "no_reader"
    fix = "no card reader is connected: plug one in (USB); for demos install vsmartcard-vpcd."


class NoCard(CardError):
    """Readers are present but none holds a card."""

    kind = "no_card"
    fix = "no card in any reader: insert one (demo: kiosk card insert --name … --id …)."


class UnsupportedCard(CardError):
    """A card is present but it is not one we can read."""

    kind = "unsupported_card"
    fix = "the card is not a social security card or resident ID card this kiosk can read."


class BadCardData(CardError):
    """The card answered, but what it holds is malformed or fails its checks."""

    kind = "bad_card_data"
    fix = (
        "the card's data is malformed or fails its checks: try another card; if every "
        "card fails, replace the reader."
    )


class CardRemoved(CardError):
    """The card left the reader before the read finished."""

    kind = "card_removed"
    fix = "the card was removed during the read: insert it again and leave it until the read ends."


class CardNotResponding(CardError):
    """The card stopped answering (or answered at the transport level with an error)."""

    kind = "card_not_responding"
    fix = (
        "the card or reader stopped answering: remove the card and insert it again; if "
        "it repeats, check the reader's cable."
    )


class ReaderBusy(CardError):
    """The reader's port is held by another program (a second kiosk, doctor, a vendor tool).

    A serial line carries one conversation: two programs interleaving frames would garble
    both, so the SAM reader's port is opened exclusively.
    """

    kind = "reader_busy"
    fix = (
        "another program holds the ID-card reader's port (a second kiosk, kiosk doctor, "
        "a vendor tool): close it."
    )


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
    fix = (
        "the ID-card reader's security module failed: power-cycle the reader; if it "
        "repeats, replace it."
    )
