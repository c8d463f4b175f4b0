"""`kiosk queue status` and `kiosk sync --once`: the offline queue from outside the kiosk."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


def cmd_queue_status(args: argparse.Namespace) -> int:
    from kiosk.outbox import open_queue

    queue = open_queue(load_config(args))
    counts = queue.counts()
    record = dataclasses.asdict(counts)
    record["key_problem"] = str(queue.key_problem) if queue.key_problem else None
    record["epoch"] = queue.epoch
    if args.json:
        print(json.dumps(record))
    else:
        for key, value in record.items():
            print(f"{key:22} {value}")
    if queue.key_problem is not None:
        print(f"kiosk queue status: {queue.key_problem}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.outbox import open_queue, sync_engine

    config = load_config(args)
    if not config.enrolled:
        print(f"kiosk sync: {config.enrolment_problem}", file=sys.stderr)
        return EXIT_INVALID
    queue = open_queue(config)
    if queue.key_problem is not None:
        print(f"kiosk sync: nothing can be sent: {queue.key_problem}", file=sys.stderr)
        return EXIT_INVALID
    # No recover_in_flight here: rows in flight belong to the running kiosk's sync
    # thread; claiming is atomic, so the two senders never take the same row.
    engine = sync_engine(config, queue)
    try:
        report = engine.sync_once(force=True)
    finally:
        engine.close()
    counts = queue.counts()
    print(
        f"sent {report.sent}, failed {report.failed}, quarantined {report.quarantined}, "
        f"still unsent {counts.unsent}" + (f" ({report.error})" if report.error else "")
    )
    return EXIT_OK if not (report.failed or report.held_s) else 1


def register(commands: argparse._SubParsersAction) -> None:
    queue = commands.add_parser("queue", help="the offline queue")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True)
    status = queue_commands.add_parser("status")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_queue_status)

    sync = commands.add_parser("sync", help="send queued submissions to the backend")
    sync.add_argument("--once", action="store_true", required=True)
    sync.add_argument("--backend-url")
    sync.set_defaults(func=cmd_sync)
