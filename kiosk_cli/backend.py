"""`kiosk backend`: serve the mock backend, with the catalog the kiosk ships unless told.

The backend is a separate service that imports nothing of the kiosk; the catalog it
serves is a file handed to it here, at start (issue 11).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import default_data_dir
from kiosk_cli.exit_codes import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from mock_backend.registry import KioskRegistration


def parse_kiosk_spec(text: str) -> KioskRegistration:
    """`--kiosk ID:NUMBER:TOKEN`. Imported on use: `mock_backend` loads FastAPI, which no
    other command needs. Its InvalidKioskSpec is an ArgumentTypeError, so argparse prints
    the message as it is."""
    from mock_backend.registry import parse_kiosk_spec as parse

    return parse(text)


def cmd_backend(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.catalog import SHIPPED_CATALOG
    from mock_backend import create_app

    db = args.db or str((args.data_dir or default_data_dir()) / "backend.db")
    # as_file: the shipped catalog is package data, a real file only for as long as this
    # block runs (it may live in a zip); the backend reads it on every request.
    shipped = resources.files("kiosk").joinpath(SHIPPED_CATALOG)
    with resources.as_file(shipped) as shipped_path:
        try:
            app = create_app(
                db,
                kiosks=args.kiosk or None,
                catalog_path=args.catalog or shipped_path,
                answer_delay_s=args.answer_delay_ms / 1000,
            )
        except ValueError as error:  # two kiosks with one number or one token
            print(f"kiosk backend: --kiosk: {error}", file=sys.stderr)
            return EXIT_USAGE
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    backend = commands.add_parser("backend", help="serve the mock backend")
    backend.add_argument("--host", default="127.0.0.1")
    backend.add_argument("--port", type=int, default=8765)
    backend.add_argument("--db", default=None)
    backend.add_argument(
        "--kiosk",
        action="append",
        type=parse_kiosk_spec,
        metavar="ID:NUMBER:TOKEN",
        help="an enrolled kiosk: id, 4-digit number, bearer token (repeatable; default: "
        "the demo pairing kiosk-0001:0001:dev-token-kiosk-0001)",
    )
    backend.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help="service catalog JSON (default: the catalog the kiosk ships with)",
    )
    backend.add_argument(
        "--answer-delay-ms",
        type=float,
        default=0.0,
        help="hold each submission answer after storing it (fault drills: a slow network)",
    )
    backend.set_defaults(func=cmd_backend)
