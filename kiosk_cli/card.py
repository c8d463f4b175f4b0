"""`kiosk card read|insert|remove|hold`: read a real card, or play with a simulated one.

`kiosk card read` asks every reader the kiosk would use: the PC/SC readers (social
security cards) and the ID-card (SAM) reader (resident ID cards and permits, issue 12).
They are asked at once, on threads of their own, so a missing pcscd never holds up an ID
card, a silent SAM reader never holds up a social security card, and the whole read is
bounded by `card_read_timeout_s` whatever either does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.simulated import card_faults, sam_reader
from kiosk_cli import simulated_cards
from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from drivers.errors import CardError
    from drivers.identity import Identity
    from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

# `kiosk card read` exit codes, one per fault, for scripts and maintainers.
EXIT_BY_KIND = {
    "pcsc_unavailable": 3,
    "no_reader": 4,
    "no_card": 5,
    "unsupported_card": 6,
    "bad_card_data": 7,
    "card_removed": 8,
    "card_not_responding": 8,
    "reader_busy": 9,
    "sam_error": 10,
}

SSC = "ssc"  # `--kind` of the social security card, on a PC/SC reader
SAM_KINDS = ("resident-id", "hkmt", "foreign")  # on the SAM reader (sam_card.KIND_ALIASES)
KIND_NAMES = {
    "resident-id": "resident ID card",
    "hkmt": "港澳台 residence permit",
    "foreign": "foreign permanent resident card",
}
# Faults that say no card was seen: the readers are empty, missing, or pcscd is.
ABSENT = ("no_card", "no_reader", "pcsc_unavailable")


@dataclass(frozen=True)
class CardSource:
    """One place a card can be: `read()` returns (reader, identity, APDUs or frames)."""

    label: str  # for messages: "PC/SC readers", "ID-card reader /dev/ttyUSB0"
    sam: bool
    read: Callable[[], tuple[str, Identity, int]]


@dataclass(frozen=True)
class CardRead:
    source: CardSource
    reader: str
    identity: Identity
    count: int  # APDUs (PC/SC) or frames (SAM reader) exchanged


class NoCardRead(Exception):
    """No source read a card: `error` is the most useful failure, `others` the rest."""

    def __init__(
        self, error: CardError, source: CardSource, others: list[tuple[CardSource, CardError]]
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.source = source
        self.others = others


def usefulness(source: CardSource, error: CardError) -> int:
    """How useful a fault is to report when no reader had a card, most useful (0) first:
    a card, or a reader, that answered wrongly; then the ID-card reader that was named
    (id_card_port) missing or held by another program; then "no card" (the readers are
    fine and empty); last, PC/SC absent: it is always asked, also on kiosks that have
    only an ID-card reader, where no pcscd is no news."""
    if error.kind not in ABSENT and error.kind != "reader_busy":
        return 0
    if error.kind == "reader_busy" or (source.sam and error.kind == "no_reader"):
        return 1
    if error.kind == "no_card":
        return 2
    return 3


def read_from_sources(
    sources: list[CardSource], timeout_s: float, margin_s: float = 2.0
) -> CardRead:
    """Ask every source at once; the first card read wins. Each source bounds itself by
    `timeout_s`; the wait here has `margin_s` on top so that nothing can hang the command."""
    from drivers.errors import CardError, CardNotResponding

    outcomes: queue.Queue[tuple[CardSource, object]] = queue.Queue()

    def read(source: CardSource) -> None:
        try:
            outcomes.put((source, source.read()))
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            outcomes.put((source, error))

    for source in sources:
        threading.Thread(target=read, args=(source,), name="card-read-cli", daemon=True).start()
    failures: list[tuple[CardSource, CardError]] = []
    waiting = list(sources)
    deadline = time.monotonic() + timeout_s + margin_s
    while waiting:
        try:
            source, outcome = outcomes.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            for source in waiting:
                stuck = CardNotResponding(f"{source.label}: no answer within {timeout_s:g} s")
                failures.append((source, stuck))
            break
        waiting.remove(source)
        if isinstance(outcome, CardError):
            failures.append((source, outcome))
        elif isinstance(outcome, Exception):
            # A bug in one reader's path must not hide a card the other reads: it counts
            # as that source's failure, with its traceback for the maintainer.
            log.error("%s failed unexpectedly", source.label, exc_info=outcome)
            failures.append((source, CardError(f"{source.label}: {outcome!r}")))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            reader, identity, count = outcome  # type: ignore[misc]
            return CardRead(source, reader, identity, count)
    order = {id(source): index for index, source in enumerate(sources)}
    failures.sort(key=lambda failure: (usefulness(*failure), order[id(failure[0])]))
    (source, error), others = failures[0], failures[1:]
    raise NoCardRead(error, source, others)


def card_sources(args: argparse.Namespace, config: KioskConfig) -> list[CardSource]:
    """The SAM reader (when one is named or simulated) and the PC/SC readers."""
    from drivers.pcsc.service import read_first_card_within
    from drivers.sam import read_card_once
    from drivers.ssc_profile import SocialSecurityCardProfile

    timeout_s = config.card_read_timeout_s
    port = args.id_card_port if args.id_card_port is not None else str(config.id_card_port)
    if args.id_card_port is None and not port:
        simulated = simulated_cards.simulated_id_reader()
        port = str(simulated) if simulated is not None else ""
    sources = []
    if port:
        baud = config.id_card_baud
        sources.append(
            CardSource(
                f"ID-card reader {port}",
                True,
                lambda: read_card_once(port, baud, timeout_s),
            )
        )
    sources.append(
        CardSource(
            "PC/SC readers",
            False,
            lambda: read_first_card_within(SocialSecurityCardProfile(), timeout_s),
        )
    )
    return sources


def card_record(read: CardRead, unmasked: bool) -> dict[str, object]:
    """What `kiosk card read` prints: the fields that apply to the card read."""
    from drivers.identity import FOREIGN_PERMANENT_RESIDENT

    identity = read.identity
    valid_until = identity.valid_until
    record: dict[str, object] = {
        "reader": read.reader,
        "card_kind": identity.card_kind,
        "name": identity.name,
    }
    if identity.card_kind == FOREIGN_PERMANENT_RESIDENT:
        record["name_en"] = identity.name_en
        record["nationality"] = identity.nationality
    record.update(
        id_number=identity.id_number if unmasked else identity.masked_id(),
        sex=identity.sex,
        birth_date=identity.birth_date.isoformat(),
        valid_until=valid_until.isoformat() if isinstance(valid_until, dt.date) else valid_until,
    )
    if not read.source.sam:
        record["card_number"] = identity.card_number
    elif identity.card_number:
        # The 港澳台 permit's pass (通行证) number names the holder as the ID number does.
        number = identity.card_number
        record["card_number"] = number if unmasked else "*" * (len(number) - 4) + number[-4:]
    record["card_expiry"] = identity.card_expiry.isoformat() if identity.card_expiry else None
    record["frames" if read.source.sam else "apdus_sent"] = read.count
    return record


def cmd_card_read(args: argparse.Namespace) -> int:
    config = load_config(args)
    try:
        read = read_from_sources(card_sources(args, config), config.card_read_timeout_s)
    except NoCardRead as failure:
        error = failure.error
        print(f"kiosk card read: {error.fix} ({error})", file=sys.stderr)
        for source, other in failure.others:
            print(f"kiosk card read: also, {source.label}: {other}", file=sys.stderr)
        return EXIT_BY_KIND.get(error.kind, 1)
    record = card_record(read, args.unmasked)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        for key, value in record.items():
            print(f"{key:12} {value}")
    return EXIT_OK


def cmd_card_insert(args: argparse.Namespace) -> int:
    if args.kind in SAM_KINDS:
        return _insert_id_card(args)
    from drivers import id_number as idn

    if args.profile not in card_faults.PROFILES:
        return _usage(
            f"--profile {args.profile} is a SAM reader profile; a social security card "
            f"takes one of {', '.join(card_faults.PROFILES)}"
        )
    if not idn.is_valid(args.id):
        print(
            "warning: this ID number fails its check; the kiosk will refuse the card "
            "(useful for training)",
            file=sys.stderr,
        )
    try:
        len_ok = len(args.name.encode("gb18030")) <= 30
    except UnicodeEncodeError:
        len_ok = False
    if not len_ok:
        return _usage("the name must fit in 30 bytes of GB18030")
    try:
        simulated_cards.insert(
            args.name, args.id, args.reader, args.profile, args.delay_ms, args.at_apdu
        )
    except (OSError, RuntimeError, TimeoutError) as error:
        print(
            f"kiosk card insert: cannot reach vpcd reader {args.reader} ({error}); is pcscd "
            "running with vsmartcard-vpcd installed?",
            file=sys.stderr,
        )
        return 1
    print(f"simulated card inserted into Virtual PCD 00 0{args.reader}")
    return EXIT_OK


def _insert_id_card(args: argparse.Namespace) -> int:
    """A card of the ID-card family on the simulated SAM reader (issue 12)."""
    from drivers.errors import CardError
    from drivers.sam.text import parse_text_block
    from drivers.simulated.sam_card import sam_card

    if args.profile not in sam_reader.PROFILES:
        return _usage(
            f"--profile {args.profile} is a social security card profile; the ID-card "
            f"reader takes one of {', '.join(sam_reader.PROFILES)}"
        )
    overrides: dict[str, object] = {}
    if args.name_en:
        overrides["name_en"] = args.name_en
    elif args.kind == "foreign" and not args.name.isascii():
        return _usage("a foreign permanent resident card carries an English name: add --name-en")
    if args.valid_to:
        try:
            overrides["valid_to"] = _valid_to(args.valid_to)
        except ValueError:
            return _usage(f"--valid-to {args.valid_to}: a date (YYYYMMDD) or long-term")
    try:
        card = sam_card(args.kind, args.name, args.id, **overrides)
        text = card.text_block()
    except ValueError as error:
        return _usage(f"the card cannot hold that: {error}")
    try:
        parse_text_block(text)
    except CardError as error:
        print(
            f"warning: the kiosk will refuse this card ({error}) (useful for training)",
            file=sys.stderr,
        )
    try:
        link = simulated_cards.place_id_card(card, args.profile)
    except (OSError, RuntimeError, TimeoutError) as error:
        print(f"kiosk card insert: the simulated ID-card reader failed: {error}", file=sys.stderr)
        return 1
    print(
        f"simulated {KIND_NAMES[args.kind]} placed on the simulated ID-card reader at {link} "
        "(id_card_port)"
    )
    configured = str(load_config(args).id_card_port)
    if configured and configured != str(link):
        print(
            f"note: kiosk.toml sets id_card_port = {configured}; set it to {link} for the "
            "kiosk to read this card",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_card_remove(args: argparse.Namespace) -> int:
    if args.kind in SAM_KINDS:
        link, _ = simulated_cards.id_reader_paths()
        try:
            done = simulated_cards.lift_id_card(unplug=args.unplug)
        except (OSError, TimeoutError) as error:
            print(
                f"kiosk card remove: the simulated ID-card reader failed: {error}", file=sys.stderr
            )
            return 1
        print(
            {
                "lifted": f"card lifted from the simulated ID-card reader at {link} "
                "(the reader stays plugged in)",
                "no card": f"removed: no card on the simulated ID-card reader at {link}",
                "unplugged": f"simulated ID-card reader at {link} unplugged",
                "no reader": "removed: no simulated ID-card reader is running",
            }[done]
        )
        return EXIT_OK
    emptied = simulated_cards.remove(args.reader)
    print("removed: " + (", ".join(f"Virtual PCD 00 0{r}" for r in emptied) or "no card"))
    return EXIT_OK


def cmd_card_hold(args: argparse.Namespace) -> int:
    """The detached process behind `card insert` (hidden from --help)."""
    simulated_cards.hold(args.name, args.id, args.reader, args.profile, args.delay_ms, args.at_apdu)
    return EXIT_OK


def _valid_to(text: str) -> dt.date | str:
    """A card's last valid day as given on the command line, or long term (长期)."""
    from drivers.identity import LONG_TERM

    if text.strip().lower() in ("long-term", LONG_TERM, "长期"):
        return LONG_TERM
    return dt.date.fromisoformat(text.strip())


def _usage(message: str) -> int:
    print(f"kiosk card: {message}", file=sys.stderr)
    return EXIT_USAGE


READ_HELP = """\
Read the first card found, asking every reader at once: the PC/SC readers (social
security cards) and the ID-card (SAM) reader for resident ID cards and permits: the port
given with --id-card-port, else id_card_port in kiosk.toml (at id_card_baud), else, when
neither names one, the simulated ID-card reader of `kiosk card insert --kind ...` if it
is plugged in. When no reader has a card, the most useful fault is reported (exit code
by kind) with its fix.
"""


def register(commands: argparse._SubParsersAction) -> None:
    card = commands.add_parser("card", help="read a card, or insert/remove a simulated one")
    card_commands = card.add_subparsers(dest="card_command", required=True)
    read = card_commands.add_parser(
        "read",
        help="read the card in the first reader holding one (PC/SC or ID-card reader)",
        description=READ_HELP,
    )
    read.add_argument("--json", action="store_true")
    read.add_argument("--unmasked", action="store_true", help="print the full ID number")
    read.add_argument(
        "--id-card-port",
        metavar="PATH",
        default=None,
        help='the ID-card reader\'s serial port (default: id_card_port); "" for none',
    )
    read.set_defaults(func=cmd_card_read)
    for name, func, text in (
        ("insert", cmd_card_insert, "insert a simulated card"),
        ("hold", cmd_card_hold, argparse.SUPPRESS),
    ):
        sub = card_commands.add_parser(name, help=text)
        sub.add_argument("--name", required=True, help="the name (Chinese name on an ID card)")
        sub.add_argument(
            "--id",
            required=True,
            help="18-character resident ID number (the permit number on a foreign card)",
        )
        sub.add_argument("--reader", type=int, choices=(0, 1), default=0, help="PC/SC slot")
        sub.add_argument(
            "--profile",
            choices=dict.fromkeys(card_faults.PROFILES + sam_reader.PROFILES),
            default="normal",
            metavar="PROFILE",
            help="how the card behaves (faults for tests and staff training): social "
            f"security card: {', '.join(card_faults.PROFILES)}; ID-card reader: "
            f"{', '.join(sam_reader.PROFILES)} (slow: real 115200-baud timing)",
        )
        sub.add_argument("--delay-ms", type=float, default=0, help="slow: delay per APDU")
        sub.add_argument(
            "--at-apdu", type=int, default=3, help="hang / remove-mid-read: at this APDU"
        )
        sub.set_defaults(func=func)
        if name == "insert":
            sub.add_argument(
                "--kind",
                choices=(SSC, *SAM_KINDS),
                default=SSC,
                help="ssc: a social security card in a vpcd slot (default); resident-id, "
                "hkmt, foreign: an ID card on the simulated ID-card reader, whose port is "
                "printed (set it as id_card_port; `kiosk card read` also finds it)",
            )
            sub.add_argument("--name-en", default="", help="foreign card: the English name")
            sub.add_argument(
                "--valid-to",
                metavar="YYYYMMDD|long-term",
                default="",
                help="ID cards: the last valid day, or long-term (printed 长期 on the card)",
            )
    remove = card_commands.add_parser("remove", help="remove the simulated card")
    remove.add_argument("--reader", type=int, choices=(0, 1), default=None, help="PC/SC slot")
    remove.add_argument(
        "--kind",
        choices=(SSC, *SAM_KINDS),
        default=SSC,
        help="resident-id, hkmt, foreign: lift the card from the simulated ID-card reader "
        "(any of the three: the reader holds one card)",
    )
    remove.add_argument(
        "--unplug",
        action="store_true",
        help="with an ID-card kind: also unplug the simulated ID-card reader (end its process)",
    )
    remove.set_defaults(func=cmd_card_remove)
