"""`kiosk card read` asks the ID-card reader and the PC/SC readers at once: the first card
read wins, and with no card anywhere the most useful fault is the one reported."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from drivers.errors import (
    BadCardData,
    CardNotResponding,
    NoCard,
    NoReader,
    PcscUnavailable,
    ReaderBusy,
)
from drivers.identity import Identity
from kiosk_cli.card import EXIT_BY_KIND, CardSource, NoCardRead, read_from_sources

PERSON = Identity("王䶮", "445281195207081310", "1", dt.date(1952, 7, 8))


def source(label, sam, outcome):
    def read():
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, threading.Event):
            outcome.wait(5.0)  # a read that hangs (until the test lets it go)
            raise CardNotResponding("let go")
        return outcome

    return CardSource(label, sam, read)


def sam(outcome):
    return source("ID-card reader /dev/ttyUSB0", True, outcome)


def pcsc(outcome):
    return source("PC/SC readers", False, outcome)


def failure(*sources):
    with pytest.raises(NoCardRead) as caught:
        read_from_sources(list(sources), timeout_s=0.5)
    return caught.value


@pytest.mark.parametrize(
    ("on_sam", "on_pcsc", "reported"),
    [
        # An ID-card-only kiosk: no pcscd at all is no news; an empty reader is.
        (NoCard("sam empty"), PcscUnavailable("no pcscd"), "no_card"),
        (NoCard("sam empty"), NoReader("pcscd lists none"), "no_card"),
        # A social-security-only site with no SAM reader named: the old answers stand.
        (None, PcscUnavailable("no pcscd"), "pcsc_unavailable"),
        (None, NoCard("no card"), "no_card"),
        # The named ID-card reader is unplugged or held: a fault, above "no card".
        (NoReader("no SAM reader at /dev/ttyUSB0"), NoCard("pcsc empty"), "no_reader"),
        (ReaderBusy("held"), NoCard("pcsc empty"), "reader_busy"),
        # A card was there and failed: that is what the maintainer needs to hear.
        (NoCard("sam empty"), BadCardData("check digit"), "bad_card_data"),
        (CardNotResponding("silent"), NoCard("pcsc empty"), "card_not_responding"),
    ],
)
def test_the_most_useful_fault_is_reported(on_sam, on_pcsc, reported):
    sources = ([] if on_sam is None else [sam(on_sam)]) + [pcsc(on_pcsc)]
    caught = failure(*sources)
    assert caught.error.kind == reported and reported in EXIT_BY_KIND
    assert len(caught.others) == len(sources) - 1  # the rest are told too


@pytest.mark.parametrize("card_on_sam", [True, False])
def test_a_card_is_read_wherever_it_lies_whatever_the_other_reader_does(card_on_sam):
    card = ("SAM /dev/ttyUSB0" if card_on_sam else "Virtual PCD 00 00", PERSON, 4)
    for other in (PcscUnavailable("no pcscd"), NoReader("unplugged"), BadCardData("bad")):
        sources = [sam(card), pcsc(other)] if card_on_sam else [sam(other), pcsc(card)]
        read = read_from_sources(sources, timeout_s=0.5)
        assert (read.reader, read.identity, read.source.sam) == (*card[:2], card_on_sam)


def test_a_reader_that_hangs_does_not_hold_up_the_card_or_the_command():
    hang = threading.Event()
    try:
        read = read_from_sources([sam(hang), pcsc(("Virtual PCD 00 00", PERSON, 9))], 0.5)
        assert read.reader == "Virtual PCD 00 00"
        with pytest.raises(NoCardRead) as caught:
            read_from_sources([sam(hang), pcsc(NoCard("empty"))], 0.1, margin_s=0.1)
        assert caught.value.error.kind == "card_not_responding"
        assert "ID-card reader /dev/ttyUSB0: no answer within 0.1 s" in str(caught.value.error)
    finally:
        hang.set()
