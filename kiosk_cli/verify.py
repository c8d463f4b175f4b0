"""`kiosk verify`: wait for a card and verify it as the window does (验码), for staff testing
a reader and for tests.

The real core in verifier mode (whatever the terminal's mode): both readers, the same held
status list in the data directory (refreshed when due, or first with `--refresh-list`), the
same online look-up, clock guard and record in the outbox. Prints one answer:
`{"result", "label", "source", "list_age_s", "latency_ms", ...}`; never the ID number.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_OK

EXIT_NO_CARD = 5  # as `kiosk card read` says "no card"


def cmd_verify(args: argparse.Namespace) -> int:
    from kiosk.core import KioskCore
    from kiosk.events import CardVerified

    config = load_config(args)
    if args.id_card_port is not None:
        config = config.replace(id_card_port=args.id_card_port)
    core = KioskCore(config, mode="verifier")
    answers: queue.Queue[tuple[CardVerified, float]] = queue.Queue()
    core.add_listener(
        lambda event: (
            answers.put((event, time.monotonic())) if isinstance(event, CardVerified) else None
        )
    )
    try:
        if args.refresh_list:
            refresh = core.verifier.refresh_list()
            if refresh is not None:
                print(f"kiosk verify: list {refresh.outcome} {refresh.detail}", file=sys.stderr)
        core.start()
        try:
            answer, answered_at = answers.get(timeout=args.wait)
        except queue.Empty:
            print(f"kiosk verify: no card within {args.wait:g} s", file=sys.stderr)
            return EXIT_NO_CARD
        language = core.display.preferences().speech_language
    finally:
        core.stop()  # records the check, and sends it if the backend is in reach
    record = {
        "result": answer.result,
        "label": answer.label(language),
        "source": answer.source,
        "list_age_s": None if answer.list_age_s is None else round(answer.list_age_s, 1),
        "latency_ms": round((answered_at - answer.identified_at) * 1000, 2),
        "list_sequence": answer.list_sequence,
        "reason": answer.reason,
        "title": answer.title(language),
    }
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        for key, value in record.items():
            print(f"{key:14} {value}")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser(
        "verify", help="wait for a card and verify it as verifier mode does (验码)"
    )
    verify.add_argument("--json", action="store_true", help="one JSON object")
    verify.add_argument(
        "--wait", type=float, default=30.0, metavar="S", help="wait this long for a card"
    )
    verify.add_argument(
        "--refresh-list",
        action="store_true",
        help="fetch a newer status list first (else it is refreshed when due)",
    )
    verify.add_argument(
        "--id-card-port", default=None, metavar="PATH", help="the ID-card (SAM) reader's port"
    )
    verify.add_argument("--backend-url")
    verify.set_defaults(func=cmd_verify)
