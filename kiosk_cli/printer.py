"""`kiosk printer status|test|emulate`: the receipt printer, for maintainers and demos."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
from pathlib import Path

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK, EXIT_USAGE


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.receipt_printing import printer_check

    config = load_config(args)
    ok, detail, fix = printer_check(config)
    if args.json:
        print(json.dumps({"ok": ok, "detail": detail, "fix": fix}, ensure_ascii=False))
    else:
        print(f"{'ok' if ok else 'FAIL'}: {detail}" + (f"\n  fix: {fix}" if fix else ""))
    return EXIT_OK if ok else EXIT_INVALID


def cmd_test(args: argparse.Namespace) -> int:
    """A test receipt (number 0000..., no one's data) on the configured thermal printer."""
    from drivers.printer.errors import PrinterError
    from kiosk.receipt_printing import ReceiptPrinter
    from kiosk.submission import Receipt
    from kiosk.text import Text

    config = load_config(args)
    if config.receipt_mode != "escpos":
        print(
            f'kiosk printer test: receipt_printer is "{config.receipt_mode}"; this prints on '
            'thermal printers (receipt_printer = "escpos"); CUPS and PDF print from the '
            "receipt screen",
            file=sys.stderr,
        )
        return EXIT_USAGE
    number = "0" * 15
    receipt = Receipt(
        tracking_number=number,
        service_title=Text("打印测试", "Test print"),
        submitted_at=dt.datetime.now(),
        status_url=f"{config.public_status_url.rstrip('/')}/{number}",
        next_steps=Text("这是一张测试回执,不是办件。", "A test receipt, not an application."),
        training=True,
    )
    printing = ReceiptPrinter(config, lambda message, detail: None)
    try:
        printing.print(receipt, print_page=lambda receipt, target: "")
    except PrinterError as error:
        print(f"kiosk printer test: {error}\n  fix: {error.fix}", file=sys.stderr)
        return EXIT_INVALID
    print(f"printed a test receipt on {config.escpos_url} ({config.paper_width_mm} mm)")
    return EXIT_OK


def cmd_emulate(args: argparse.Namespace) -> int:
    """A network ESC/POS printer on 127.0.0.1 until interrupted (drivers/simulated)."""
    from drivers.simulated.escpos_emulator import EscposPrinterEmulator

    emulator = EscposPrinterEmulator(port=args.port, state=args.state)
    try:
        emulator.start()
    except OSError as error:
        print(f"kiosk printer emulate: port {args.port}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(f'listening: escpos_url = "{emulator.url}" (state {args.state})', flush=True)
    stop = threading.Event()
    try:
        shown: set[int] = set()  # by id: a job closes after a later one (a status probe)
        while not stop.wait(0.2):
            closed = [job for job in emulator.jobs if job.closed and id(job) not in shown]
            for number, job in enumerate(closed, len(shown) + 1):
                shown.add(id(job))
                widths = sorted({raster.width_dots for raster in job.rasters})
                line = f"job {number}: {len(job.stream):,} bytes, rasters {widths or 'none'}"
                if args.save and job.rasters:
                    args.save.mkdir(parents=True, exist_ok=True)
                    path = args.save / f"job-{number}.png"
                    partial = path.with_suffix(".part")
                    job.page().save(partial, format="PNG")
                    partial.replace(path)  # whole, for whoever waits for the file
                    line += f", page {path}"
                print(line + (", cut" if job.named("cut") else ""), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.close()
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    printer = commands.add_parser("printer", help="the receipt printer (docs/printing.md)")
    actions = printer.add_subparsers(dest="printer_command", required=True)
    status = actions.add_parser("status", help="ask the printer (prints nothing)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    test = actions.add_parser("test", help="print a test receipt on the thermal printer")
    test.set_defaults(func=cmd_test)
    emulate = actions.add_parser(
        "emulate", help="a network ESC/POS printer on 127.0.0.1 for demos and tests"
    )
    emulate.add_argument("--port", type=int, default=9100)
    emulate.add_argument(
        "--state",
        default="ok",
        choices=("ok", "paper_low", "paper_out", "cover_open", "silent"),
        help="what it answers to DLE EOT status questions",
    )
    emulate.add_argument("--save", type=Path, help="write each job's page as PNG here")
    emulate.set_defaults(func=cmd_emulate)
