"""The `kiosk` console script: the parser, made of each subject's commands, and the
handling of errors every command can meet."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk_cli import (
    backend,
    card,
    doctor,
    enrol,
    keys,
    logs,
    migrate,
    printer,
    queue,
    run,
    services,
    simulate,
    staff,
    verify,
)
from kiosk_cli.exit_codes import EXIT_STORE

# Each subject adds its own commands, in the order `kiosk --help` lists them.
REGISTER = (
    run.register_run,
    card.register,
    verify.register,
    backend.register,
    queue.register,
    enrol.register,
    doctor.register,
    printer.register,
    migrate.register,
    services.register,
    staff.register,
    simulate.register,
    keys.register,
    logs.register,
    run.register_screenshots,
)


def build_parser() -> argparse.ArgumentParser:
    from kiosk.version import DISTRIBUTION, kiosk_version

    parser = argparse.ArgumentParser(prog="kiosk", description="Village service kiosk")
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {kiosk_version()}")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where the store, key and config live"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    for register in REGISTER:
        register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from offline_cache import StoreError

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except StoreError as error:
        # A read-only or foreign data directory, a store from newer software: one clear
        # line with the fix, not a traceback.
        print(f"kiosk {args.command}: {error}", file=sys.stderr)
        return EXIT_STORE


if __name__ == "__main__":
    sys.exit(main())
