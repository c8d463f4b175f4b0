"""Soak: kiosks living a bad day for at least 10 minutes, then an audit of their promises.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--kiosks 2] [--seed 1]

Villager sessions and staff actions (`kiosk simulate --staff`), `kiosk sync --once` from
other processes, a backend behind a fault proxy (503/429 with Retry-After, held answers,
resets, a captive portal, 500), wall-clock jumps both ways (libfaketime) and random
SIGKILLs. Prints the counts; exits 1 if any promise was broken (tests/helpers/soak.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers.soak import run_soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--kiosks", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        result = run_soak(Path(temp), args.minutes * 60, args.kiosks, args.seed)
    report = result.report()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print(
        f"soak {report['seconds']} s, {report['kiosks']} kiosks, {report['kiosk_runs']} kiosk "
        f"runs, {report['sigkills']} SIGKILLs, {report['clock_jumps']} clock jumps: "
        f"{report['receipts_confirmed']} receipts confirmed, {report['backend_rows']} rows at "
        f"the backend, problems: {len(report['problems'])}"
    )
    return 0 if not report["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
