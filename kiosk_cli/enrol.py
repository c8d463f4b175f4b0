"""`kiosk enrol --backend URL --code CODE`: a new kiosk's identity from the backend, once
(kiosk/enrolment.py), instead of tokens typed into kiosk.toml by hand."""

from __future__ import annotations

import argparse
import sys

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


def cmd_enrol(args: argparse.Namespace) -> int:
    from kiosk.enrolment import EnrolmentError, enrol

    config = load_config(args)
    try:
        done = enrol(config, args.backend, args.code, force=args.force)
    except EnrolmentError as error:
        print(f"kiosk enrol: not enrolled: {error}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:  # a read-only data directory, a full disk
        print(f"kiosk enrol: cannot write the enrolment: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(
        f"enrolled as {done.kiosk_id}, number {done.kiosk_number} (tracking numbers start "
        f"{done.kiosk_number}); identity in {done.config_path}, token in {done.token_path} "
        "(mode 0600). kiosk doctor checks the rest."
    )
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    enrol = commands.add_parser(
        "enrol",
        help="get this kiosk's id, number and token from the backend with a one-time code",
    )
    enrol.add_argument("--backend", required=True, metavar="URL", help="the backend's address")
    enrol.add_argument(
        "--code", required=True, help="the one-time enrolment code from the backend's operator"
    )
    enrol.add_argument(
        "--force",
        action="store_true",
        help="replace this kiosk's present enrolment (refused while submissions wait)",
    )
    enrol.set_defaults(func=cmd_enrol)
