"""`kiosk card read|insert|remove|hold`: read a real card, or play with a simulated one."""

from __future__ import annotations

import argparse
import json
import sys

from drivers.simulated.faults import PROFILES
from kiosk_cli import simulated_cards
from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_OK, EXIT_USAGE

# `kiosk card read` exit codes, one per fault, for scripts and maintainers.
EXIT_BY_KIND = {
    "pcsc_unavailable": 3,
    "no_reader": 4,
    "no_card": 5,
    "unsupported_card": 6,
    "bad_card_data": 7,
    "card_removed": 8,
    "card_not_responding": 8,
}
ADVICE = {
    "pcsc_unavailable": "pcscd is not running: start it (as root: pcscd --foreground &).",
    "no_reader": "no card reader is connected: plug one in (or install vsmartcard-vpcd).",
    "no_card": "no card in any reader: insert one (demo: kiosk card insert --name … --id …).",
    "unsupported_card": "the card is not a social security card this kiosk can read.",
    "bad_card_data": "the card's data is malformed or fails its checks.",
    "card_removed": "the card was removed during the read: insert it again.",
    "card_not_responding": "the card stopped answering: remove it and insert it again.",
}


def cmd_card_read(args: argparse.Namespace) -> int:
    from drivers.errors import CardError
    from drivers.pcsc.service import read_first_card_within
    from drivers.ssc_profile import SocialSecurityCardProfile

    timeout_s = load_config(args).card_read_timeout_s
    try:
        reader, identity, apdus = read_first_card_within(SocialSecurityCardProfile(), timeout_s)
    except CardError as error:
        print(f"kiosk card read: {ADVICE.get(error.kind, error.kind)} ({error})", file=sys.stderr)
        return EXIT_BY_KIND.get(error.kind, 1)
    record = {
        "reader": reader,
        "name": identity.name,
        "id_number": identity.id_number if args.unmasked else identity.masked_id(),
        "sex": identity.sex,
        "birth_date": identity.birth_date.isoformat(),
        "card_number": identity.card_number,
        "card_expiry": identity.card_expiry.isoformat() if identity.card_expiry else None,
        "apdus_sent": apdus,
    }
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        for key, value in record.items():
            print(f"{key:12} {value}")
    return EXIT_OK


def cmd_card_insert(args: argparse.Namespace) -> int:
    from drivers import id_number as idn

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
        print("kiosk card insert: the name must fit in 30 bytes of GB18030", file=sys.stderr)
        return EXIT_USAGE
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


def cmd_card_remove(args: argparse.Namespace) -> int:
    emptied = simulated_cards.remove(args.reader)
    print("removed: " + (", ".join(f"Virtual PCD 00 0{r}" for r in emptied) or "no card"))
    return EXIT_OK


def cmd_card_hold(args: argparse.Namespace) -> int:
    """The detached process behind `card insert` (hidden from --help)."""
    simulated_cards.hold(args.name, args.id, args.reader, args.profile, args.delay_ms, args.at_apdu)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    card = commands.add_parser("card", help="read a card, or insert/remove a simulated one")
    card_commands = card.add_subparsers(dest="card_command", required=True)
    read = card_commands.add_parser("read", help="read the card in the first reader holding one")
    read.add_argument("--json", action="store_true")
    read.add_argument("--unmasked", action="store_true", help="print the full ID number")
    read.set_defaults(func=cmd_card_read)
    for name, func, text in (
        ("insert", cmd_card_insert, "insert a simulated card"),
        ("hold", cmd_card_hold, argparse.SUPPRESS),
    ):
        sub = card_commands.add_parser(name, help=text)
        sub.add_argument("--name", required=True)
        sub.add_argument("--id", required=True, help="18-character resident ID number")
        sub.add_argument("--reader", type=int, choices=(0, 1), default=0)
        sub.add_argument(
            "--profile",
            choices=PROFILES,
            default="normal",
            help="how the card behaves (faults for tests and staff training)",
        )
        sub.add_argument("--delay-ms", type=float, default=0, help="slow: delay per APDU")
        sub.add_argument(
            "--at-apdu", type=int, default=3, help="hang / remove-mid-read: at this APDU"
        )
        sub.set_defaults(func=func)
    remove = card_commands.add_parser("remove", help="remove the simulated card")
    remove.add_argument("--reader", type=int, choices=(0, 1), default=None)
    remove.set_defaults(func=cmd_card_remove)
