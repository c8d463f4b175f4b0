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

LOOKUP_KEY_FILE = "verifier-lookup.key"
SIGNING_KEY_FILE = "status-list-signing.key"


def parse_kiosk_spec(text: str) -> KioskRegistration:
    """`--kiosk ID:NUMBER:TOKEN`. Imported on use: `mock_backend` loads FastAPI, which no
    other command needs. Its InvalidKioskSpec is an ArgumentTypeError, so argparse prints
    the message as it is."""
    from mock_backend.registry import parse_kiosk_spec as parse

    return parse(text)


def parse_enrolment_code(text: str):
    """`--enrol-code CODE` (imported on use, as above)."""
    from mock_backend.enrolment import parse_code

    return parse_code(text)


def enrolment_codes(args: argparse.Namespace) -> list:
    """--enrol-code and --enrol-codes together. Raises OSError or ValueError (the file)."""
    from mock_backend.enrolment import read_codes_file

    codes = list(args.enrol_code or [])
    for path in args.enrol_codes or []:
        codes += read_codes_file(path)
    return codes


def verifier_setup(args: argparse.Namespace, data_dir: Path):
    """The verifier's keys (made when missing) and status file, or None without
    --status-file. Raises OSError or ValueError for a key file that cannot be used."""
    from mock_backend.status_list import VerifierSetup, load_lookup_key, load_signing_key

    if args.status_file is None:
        return None
    return VerifierSetup(
        args.status_file,
        load_lookup_key(args.lookup_key or data_dir / LOOKUP_KEY_FILE),
        load_signing_key(args.signing_key or data_dir / SIGNING_KEY_FILE),
        args.list_validity_s,
    )


def cmd_backend(args: argparse.Namespace) -> int:
    from kiosk.catalog import SHIPPED_CATALOG
    from mock_backend import create_app
    from mock_backend.status_list import StatusFileError, load_signing_key, public_key_text

    data_dir = args.data_dir or default_data_dir()
    if args.print_public_key:
        key_file = args.signing_key or data_dir / SIGNING_KEY_FILE
        try:
            print(public_key_text(load_signing_key(key_file)))
        except (OSError, ValueError) as error:
            print(f"kiosk backend: --signing-key: {error}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    import uvicorn

    try:
        verifier = verifier_setup(args, data_dir)
    except (OSError, ValueError) as error:
        print(f"kiosk backend: verifier keys: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        codes = enrolment_codes(args)
    except (OSError, ValueError) as error:
        print(f"kiosk backend: --enrol-codes: {error}", file=sys.stderr)
        return EXIT_USAGE
    db = args.db or str(data_dir / "backend.db")
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
                verifier=verifier,
                enrolment_codes=codes,
                enrolment_code_valid_s=args.enrol_code_valid_h * 3600,
            )
        except StatusFileError as error:
            print(f"kiosk backend: --status-file: {error}", file=sys.stderr)
            return EXIT_USAGE
        except ValueError as error:  # two kiosks with one number or one token
            # (given twice, or given here and enrolled before: the store remembers those)
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
    enrolment = backend.add_argument_group(
        "enrolment: one-time codes a new kiosk trades for its identity (kiosk enrol)"
    )
    enrolment.add_argument(
        "--enrol-code",
        action="append",
        type=parse_enrolment_code,
        metavar="CODE",
        help="a one-time enrolment code, 8-64 letters, digits or '-' (repeatable)",
    )
    enrolment.add_argument(
        "--enrol-codes",
        action="append",
        type=Path,
        metavar="FILE",
        help="a file of codes, one a line: CODE [EXPIRES as ISO 8601 with a zone]",
    )
    enrolment.add_argument(
        "--enrol-code-valid-h",
        type=float,
        default=72.0,
        help="hours a code stays valid after the backend first sees it (default 72)",
    )
    verifier = backend.add_argument_group("verifier (验码): statuses by HMAC, the signed list")
    verifier.add_argument(
        "--status-file",
        type=Path,
        default=None,
        help="CSV of id_number,status (pass, manual, deny); hashed as it is read, read again "
        "when it changes",
    )
    verifier.add_argument(
        "--lookup-key",
        type=Path,
        default=None,
        help=f"the HMAC key kiosks share (base64; the kiosk's verifier_lookup_key); made if "
        f"missing (default: <data dir>/{LOOKUP_KEY_FILE})",
    )
    verifier.add_argument(
        "--signing-key",
        type=Path,
        default=None,
        help=f"Ed25519 key signing the status list; made if missing (default: <data "
        f"dir>/{SIGNING_KEY_FILE})",
    )
    verifier.add_argument(
        "--print-public-key",
        action="store_true",
        help="print the string the kiosk's verifier_public_key takes, and exit",
    )
    verifier.add_argument(
        "--list-validity-s",
        type=float,
        default=48 * 3600.0,
        help="how long an issued list stays valid (it is re-issued at half of this)",
    )
    backend.set_defaults(func=cmd_backend)
