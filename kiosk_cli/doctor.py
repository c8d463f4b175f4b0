"""`kiosk doctor`: print the checks of kiosk/doctor.py, with the fix for each failure."""

from __future__ import annotations

import argparse
import dataclasses
import json

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.doctor import run_checks

    checks = run_checks(load_config(args))
    if args.json:
        print(json.dumps([dataclasses.asdict(check) for check in checks], ensure_ascii=False))
    else:
        for check in checks:
            mark = "OK  " if check.ok else "FAIL"
            print(f"{mark} {check.name:18} {check.detail}")
            if not check.ok:
                print(f"     fix: {check.fix}")
    return EXIT_OK if all(check.ok for check in checks) else EXIT_INVALID


def register(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser(
        "doctor", help="check pcscd, the card and ID-card readers, backend, store, disk, fonts"
    )
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--backend-url")
    doctor.set_defaults(func=cmd_doctor)
