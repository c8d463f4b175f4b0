"""`kiosk staff set-pin|audit`: the staff PIN and the audit log, from a shell."""

from __future__ import annotations

import argparse
import os
import sys

from kiosk_cli.configuration import offline_core
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


def cmd_staff_set_pin(args: argparse.Namespace) -> int:
    """A new PIN needs the current one (its tries count towards the lockout), unless the
    caller is root: whoever can read the store as root owns the kiosk anyway."""
    import getpass

    core = offline_core(args)
    needs_current = core.pin.is_set and os.geteuid() != 0
    if args.stdin:
        current = sys.stdin.readline().strip() if needs_current else ""
        pin = sys.stdin.readline().strip()
    else:
        current = getpass.getpass("current staff PIN: ") if needs_current else ""
        pin = getpass.getpass("new staff PIN (6-8 digits): ")
        if getpass.getpass("again: ") != pin:
            print("the two PINs differ; nothing changed", file=sys.stderr)
            return EXIT_INVALID
    if needs_current:
        check = core.pin.check(current)
        if not check.ok:
            why = (
                f"locked for {check.locked_for_s:.0f} s"
                if check.locked
                else f"{check.attempts_left} tries left before a lock"
            )
            print(
                f"kiosk staff set-pin: the current PIN is wrong ({why}); nothing changed",
                file=sys.stderr,
            )
            return EXIT_INVALID
    try:
        core.pin.set_pin(pin)
    except ValueError as error:
        print(f"kiosk staff set-pin: {error}", file=sys.stderr)
        return EXIT_INVALID
    print("staff PIN set")
    return EXIT_OK


def cmd_staff_audit(args: argparse.Namespace) -> int:
    core = offline_core(args)
    for at, action, detail in reversed(core.audit.entries(args.limit)):
        print(f"{at}  {action:24} {detail}")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    staff = commands.add_parser("staff", help="staff PIN and audit log")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    set_pin = staff_commands.add_parser("set-pin", help="set the staff PIN")
    set_pin.add_argument("--stdin", action="store_true", help="read the PIN from stdin")
    set_pin.set_defaults(func=cmd_staff_set_pin)
    audit = staff_commands.add_parser("audit", help="print the audit log")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(func=cmd_staff_audit)
