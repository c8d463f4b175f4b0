"""The `kiosk` command. Qt is imported only by the subcommands that show a window."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from drivers.simulated.faults import PROFILES
from kiosk.config import KioskConfig

log = logging.getLogger("kiosk")

# `kiosk card read` exit codes, one per fault, for scripts and maintainers.
EXIT_OK, EXIT_USAGE = 0, 2
EXIT_BY_KIND = {
    "pcsc_unavailable": 3,
    "no_reader": 4,
    "no_card": 5,
    "unsupported_card": 6,
    "bad_card_data": 7,
    "card_removed": 8,
    "card_not_responding": 8,
}
ADVICE = {
    "pcsc_unavailable": "pcscd is not running: start it (as root: pcscd --foreground &).",
    "no_reader": "no card reader is connected: plug one in (or install vsmartcard-vpcd).",
    "no_card": "no card in any reader: insert one (demo: kiosk card insert --name … --id …).",
    "unsupported_card": "the card is not a social security card this kiosk can read.",
    "bad_card_data": "the card's data is malformed or fails its checks.",
    "card_removed": "the card was removed during the read: insert it again.",
    "card_not_responding": "the card stopped answering: remove it and insert it again.",
}


def _config(args: argparse.Namespace) -> KioskConfig:
    overrides = {}
    if getattr(args, "backend_url", None):
        overrides["backend_url"] = args.backend_url
    return KioskConfig.load(args.data_dir, **overrides)


# -- card ---------------------------------------------------------------------------------


def cmd_card_read(args: argparse.Namespace) -> int:
    from drivers.errors import CardError
    from drivers.pcsc.service import read_first_card
    from drivers.ssc_profile import SocialSecurityCardProfile

    try:
        reader, identity, apdus = read_first_card(SocialSecurityCardProfile())
    except CardError as error:
        print(f"kiosk card read: {ADVICE.get(error.kind, error.kind)} ({error})", file=sys.stderr)
        return EXIT_BY_KIND.get(error.kind, 1)
    record = {
        "reader": reader,
        "name": identity.name,
        "id_number": identity.id_number if args.unmasked else identity.masked_id(),
        "sex": identity.sex,
        "birth_date": identity.birth_date.isoformat(),
        "card_number": identity.card_number,
        "card_expiry": identity.card_expiry.isoformat() if identity.card_expiry else None,
        "apdus_sent": apdus,
    }
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        for key, value in record.items():
            print(f"{key:12} {value}")
    return EXIT_OK


def cmd_card_insert(args: argparse.Namespace) -> int:
    from drivers import id_number as idn
    from kiosk import simulated_cards

    if not idn.is_valid(args.id):
        print(
            "warning: this ID number fails its check; the kiosk will refuse the card "
            "(useful for training)",
            file=sys.stderr,
        )
    try:
        len_ok = len(args.name.encode("gb18030")) <= 30
    except UnicodeEncodeError:
        len_ok = False
    if not len_ok:
        print("kiosk card insert: the name must fit in 30 bytes of GB18030", file=sys.stderr)
        return EXIT_USAGE
    try:
        simulated_cards.insert(
            args.name, args.id, args.reader, args.profile, args.delay_ms, args.at_apdu
        )
    except (OSError, RuntimeError, TimeoutError) as error:
        print(
            f"kiosk card insert: cannot reach vpcd reader {args.reader} ({error}); is pcscd "
            "running with vsmartcard-vpcd installed?",
            file=sys.stderr,
        )
        return 1
    print(f"simulated card inserted into Virtual PCD 00 0{args.reader}")
    return EXIT_OK


def cmd_card_remove(args: argparse.Namespace) -> int:
    from kiosk import simulated_cards

    emptied = simulated_cards.remove(args.reader)
    print("removed: " + (", ".join(f"Virtual PCD 00 0{r}" for r in emptied) or "no card"))
    return EXIT_OK


def cmd_card_hold(args: argparse.Namespace) -> int:
    from kiosk import simulated_cards

    simulated_cards.hold(args.name, args.id, args.reader, args.profile, args.delay_ms, args.at_apdu)
    return EXIT_OK


# -- backend, queue, sync -----------------------------------------------------------------


def cmd_backend(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_backend import create_app

    db = args.db or str(KioskConfig.load(args.data_dir).data_dir / "backend.db")
    tokens = None
    if args.token:
        tokens = {}
        for pair in args.token:
            kiosk_id, _, token = pair.partition("=")
            if not kiosk_id or not token:
                print("kiosk backend: --token takes KIOSK_ID=TOKEN", file=sys.stderr)
                return EXIT_USAGE
            tokens[token] = kiosk_id
    app = create_app(
        db,
        tokens=tokens,
        catalog_path=args.catalog,
        answer_delay_s=args.answer_delay_ms / 1000,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def cmd_queue_status(args: argparse.Namespace) -> int:
    from offline_cache import PayloadSealer, SubmissionQueue, open_database

    config = _config(args)
    queue = SubmissionQueue(
        open_database(config.store_path), PayloadSealer.from_key_file(config.key_path)
    )
    counts = queue.counts()
    record = dataclasses.asdict(counts)
    if args.json:
        print(json.dumps(record))
    else:
        for key, value in record.items():
            print(f"{key:22} {value}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.sync import SyncEngine
    from offline_cache import PayloadSealer, SubmissionQueue, open_database

    config = _config(args)
    queue = SubmissionQueue(
        open_database(config.store_path), PayloadSealer.from_key_file(config.key_path)
    )
    queue.recover_in_flight()
    engine = SyncEngine(
        queue,
        config.backend_url,
        config.kiosk_id,
        config.backend_token,
        timeout_s=config.sync_timeout_s,
        retention_days=config.retention_days,
    )
    report = engine.sync_once(force=True)
    counts = queue.counts()
    print(
        f"sent {report.sent}, failed {report.failed}, quarantined {report.quarantined}, "
        f"still unsent {counts.unsent}" + (f" ({report.error})" if report.error else "")
    )
    return EXIT_OK if not report.failed else 1


# -- GUI ----------------------------------------------------------------------------------


def _backend_up(url: str) -> bool:
    try:
        return requests.get(url.rstrip("/") + "/healthz", timeout=0.5).ok
    except requests.RequestException:
        return False


def cmd_run(args: argparse.Namespace) -> int:
    from drivers.pcsc import pcscd

    config = _config(args)
    children: list[subprocess.Popen] = []
    try:
        if args.demo:
            if not pcscd.pcscd_running():
                if os.geteuid() == 0:
                    try:
                        children.append(pcscd.start_pcscd())
                        print("started pcscd --foreground")
                    except (OSError, RuntimeError, TimeoutError) as error:
                        print(f"pcscd could not start ({error}); running without cards")
                else:
                    print("pcscd is not running and we are not root: running without cards")
            if not _backend_up(config.backend_url):
                port = config.backend_url.rsplit(":", 1)[-1].split("/")[0]
                children.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "kiosk.cli",
                            "--data-dir",
                            str(config.data_dir),
                            "backend",
                            "--port",
                            port,
                        ]
                    )
                )
                for _ in range(100):
                    if _backend_up(config.backend_url):
                        break
                    time.sleep(0.1)
                print(f"mock backend on {config.backend_url}")
        from kiosk.core import KioskCore
        from ui.app import run_window

        core = KioskCore(config)
        if args.demo and not core.pin.is_set:
            core.pin.set_pin(DEMO_STAFF_PIN)
            print(f"demo: staff PIN set to {DEMO_STAFF_PIN} (five taps top-left, then the PIN)")
        return run_window(core, demo=args.demo, fullscreen=args.fullscreen)
    finally:
        for child in reversed(children):
            child.terminate()
            child.wait(5)


# -- services and staff -------------------------------------------------------------------

DEMO_STAFF_PIN = "246810"  # only ever set by `kiosk run --demo` on a store without a PIN
EXIT_INVALID = 1


def _print_problems(heading: str, error) -> None:
    print(heading, file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)


def cmd_services_validate(args: argparse.Namespace) -> int:
    from kiosk.catalog import CatalogError, load_catalog_file

    try:
        catalog = load_catalog_file(Path(args.file))
    except CatalogError as error:
        _print_problems(f"{args.file}: INVALID, {len(error.problems)} problem(s):", error)
        return EXIT_INVALID
    print(
        f"{args.file}: OK, catalog version {catalog.catalog_version}, "
        f"{len(catalog.services)} services, {len(catalog.policies)} policies"
    )
    return EXIT_OK


def _offline_core(args: argparse.Namespace):
    """The store and catalog without starting the card or sync threads."""
    from kiosk.core import KioskCore

    return KioskCore(_config(args))


def cmd_services_list(args: argparse.Namespace) -> int:
    core = _offline_core(args)
    disabled = core.settings.disabled()
    rows = [
        {
            "position": position,
            "id": service.id,
            "enabled": service.id not in disabled,
            "title": service.title.zh,
            "title_en": service.title.en,
            "steps": len(service.steps),
        }
        for position, service in enumerate(core.settings.ordered_services(core.catalog), 1)
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print(f"catalog version {core.catalog.catalog_version} ({core.catalog_store.path})")
        for row in rows:
            mark = "on " if row["enabled"] else "off"
            print(f"{row['position']:2}. [{mark}] {row['id']:32} {row['title']}")
    return EXIT_OK


def cmd_services_import(args: argparse.Namespace) -> int:
    from kiosk.catalog import CatalogError

    core = _offline_core(args)
    try:
        raw = Path(args.file).read_bytes()
        catalog = core.install_catalog(raw)
    except OSError as error:
        print(f"kiosk services import: cannot read {args.file}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except CatalogError as error:
        _print_problems(f"{args.file}: refused; the kiosk keeps its current catalog:", error)
        return EXIT_INVALID
    print(f"installed catalog version {catalog.catalog_version}, {len(catalog.services)} services")
    return EXIT_OK


def cmd_services_export(args: argparse.Namespace) -> int:
    core = _offline_core(args)
    text = json.dumps(core.catalog.model_dump(exclude_none=True), ensure_ascii=False, indent=1)
    Path(args.file).write_text(text + "\n", encoding="utf-8")
    core.audit.record("catalog_exported")
    print(f"wrote catalog version {core.catalog.catalog_version} to {args.file}")
    return EXIT_OK


def cmd_services_schema(args: argparse.Namespace) -> int:
    from kiosk.catalog import catalog_json_schema

    print(json.dumps(catalog_json_schema(), ensure_ascii=False, indent=1))
    return EXIT_OK


def cmd_staff_set_pin(args: argparse.Namespace) -> int:
    import getpass

    core = _offline_core(args)
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("new staff PIN (4-8 digits): ")
        if getpass.getpass("again: ") != pin:
            print("the two PINs differ; nothing changed", file=sys.stderr)
            return EXIT_INVALID
    try:
        core.pin.set_pin(pin)
    except ValueError as error:
        print(f"kiosk staff set-pin: {error}", file=sys.stderr)
        return EXIT_INVALID
    print("staff PIN set")
    return EXIT_OK


def cmd_staff_audit(args: argparse.Namespace) -> int:
    core = _offline_core(args)
    for at, action, detail in reversed(core.audit.entries(args.limit)):
        print(f"{at}  {action:24} {detail}")
    return EXIT_OK


def cmd_screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.screenshots import render_all

    for path in render_all(Path(args.out)):
        print(path)
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.doctor import run_checks

    checks = run_checks(_config(args))
    if args.json:
        print(json.dumps([dataclasses.asdict(check) for check in checks], ensure_ascii=False))
    else:
        for check in checks:
            mark = "OK  " if check.ok else "FAIL"
            print(f"{mark} {check.name:18} {check.detail}")
            if not check.ok:
                print(f"     fix: {check.fix}")
    return EXIT_OK if all(check.ok for check in checks) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Village service kiosk")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where the store, key and config live"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the kiosk window")
    run.add_argument(
        "--demo",
        action="store_true",
        help="also start pcscd and the mock backend, and show simulated-card buttons",
    )
    run.add_argument("--fullscreen", action="store_true")
    run.add_argument("--backend-url")
    run.set_defaults(func=cmd_run)

    card = commands.add_parser("card", help="read a card, or insert/remove a simulated one")
    card_commands = card.add_subparsers(dest="card_command", required=True)
    read = card_commands.add_parser("read", help="read the card in the first reader holding one")
    read.add_argument("--json", action="store_true")
    read.add_argument("--unmasked", action="store_true", help="print the full ID number")
    read.set_defaults(func=cmd_card_read)
    for name, func, text in (
        ("insert", cmd_card_insert, "insert a simulated card"),
        ("hold", cmd_card_hold, argparse.SUPPRESS),
    ):
        sub = card_commands.add_parser(name, help=text)
        sub.add_argument("--name", required=True)
        sub.add_argument("--id", required=True, help="18-character resident ID number")
        sub.add_argument("--reader", type=int, choices=(0, 1), default=0)
        sub.add_argument(
            "--profile",
            choices=PROFILES,
            default="normal",
            help="how the card behaves (faults for tests and staff training)",
        )
        sub.add_argument("--delay-ms", type=float, default=0, help="slow: delay per APDU")
        sub.add_argument(
            "--at-apdu", type=int, default=3, help="hang / remove-mid-read: at this APDU"
        )
        sub.set_defaults(func=func)
    remove = card_commands.add_parser("remove", help="remove the simulated card")
    remove.add_argument("--reader", type=int, choices=(0, 1), default=None)
    remove.set_defaults(func=cmd_card_remove)

    backend = commands.add_parser("backend", help="serve the mock backend")
    backend.add_argument("--host", default="127.0.0.1")
    backend.add_argument("--port", type=int, default=8765)
    backend.add_argument("--db", default=None)
    backend.add_argument(
        "--token",
        action="append",
        metavar="KIOSK_ID=TOKEN",
        help="a kiosk's bearer token (repeatable; default: the dev pairing kiosk-0001)",
    )
    backend.add_argument("--catalog", type=Path, default=None, help="service catalog JSON")
    backend.add_argument(
        "--answer-delay-ms",
        type=float,
        default=0.0,
        help="hold each submission answer after storing it (fault drills: a slow network)",
    )
    backend.set_defaults(func=cmd_backend)

    queue = commands.add_parser("queue", help="the offline queue")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True)
    status = queue_commands.add_parser("status")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_queue_status)

    sync = commands.add_parser("sync", help="send queued submissions to the backend")
    sync.add_argument("--once", action="store_true", required=True)
    sync.add_argument("--backend-url")
    sync.set_defaults(func=cmd_sync)

    doctor = commands.add_parser("doctor", help="check pcscd, readers, backend, disk, fonts")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--backend-url")
    doctor.set_defaults(func=cmd_doctor)

    services = commands.add_parser("services", help="the service catalog")
    service_commands = services.add_subparsers(dest="services_command", required=True)
    validate = service_commands.add_parser("validate", help="check a catalog file")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_services_validate)
    listing = service_commands.add_parser("list", help="services in staff order")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_services_list)
    importing = service_commands.add_parser("import", help="validate, then install a catalog")
    importing.add_argument("file")
    importing.set_defaults(func=cmd_services_import)
    exporting = service_commands.add_parser("export", help="write the active catalog")
    exporting.add_argument("file")
    exporting.set_defaults(func=cmd_services_export)
    schema = service_commands.add_parser("schema", help="print the catalog's JSON Schema")
    schema.set_defaults(func=cmd_services_schema)

    staff = commands.add_parser("staff", help="staff PIN and audit log")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    set_pin = staff_commands.add_parser("set-pin", help="set the staff PIN")
    set_pin.add_argument("--stdin", action="store_true", help="read the PIN from stdin")
    set_pin.set_defaults(func=cmd_staff_set_pin)
    audit = staff_commands.add_parser("audit", help="print the audit log")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(func=cmd_staff_audit)

    shots = commands.add_parser("screenshots", help="render every screen to PNG")
    shots.add_argument("--out", required=True)
    shots.set_defaults(func=cmd_screenshots)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
