"""`kiosk logs export` and `kiosk logs report`: the de-identified usage log for maintainers
(kiosk/usage_export.py, kiosk/usage_report.py, docs/usage-events.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


def _day(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _local_store(args: argparse.Namespace):
    from kiosk.usage_hooks import USAGE_FILE
    from kiosk.usage_store import UsageStore

    config = load_config(args)
    return config, UsageStore(config.data_dir / USAGE_FILE, config.usage_retention_days)


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.usage_export import export

    config, store = _local_store(args)
    count = export(store.rows(args.since, args.until), config.kiosk_id, args.out, args.format)
    print(f"kiosk logs export: {count} event(s) to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from kiosk.usage_export import rows_table
    from kiosk.usage_report import report_figures
    from kiosk.usage_report_html import write_report

    local = None
    if not args.input:
        config, store = _local_store(args)
        local = rows_table(store.rows(args.since, args.until), config.kiosk_id)
    try:
        figures = report_figures([Path(p) for p in args.input or []], local)
    except ValueError as error:
        print(f"kiosk logs report: {error}", file=sys.stderr)
        return EXIT_INVALID
    page = write_report(figures, args.out)
    print(f"kiosk logs report: {page}", file=sys.stderr)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    logs = commands.add_parser("logs", help="the usage log: export it, report on it")
    actions = logs.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="this kiosk's usage events to a file")
    export.add_argument("--since", type=_day, help="first day (YYYY-MM-DD), inclusive")
    export.add_argument("--until", type=_day, help="last day (YYYY-MM-DD), inclusive")
    export.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(func=cmd_export)
    report = actions.add_parser(
        "report", help="a self-contained HTML report (one kiosk, or a fleet with --input)"
    )
    report.add_argument("--out", type=Path, required=True, help="a folder for index.html")
    report.add_argument(
        "--input",
        action="append",
        help="an export (.jsonl, .csv, .parquet) or a folder of them, e.g. the backend's "
        "dataset (repeatable; default: this kiosk's own log)",
    )
    report.add_argument("--since", type=_day, help="with no --input: first day")
    report.add_argument("--until", type=_day, help="with no --input: last day")
    report.set_defaults(func=cmd_report)
