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
from kiosk.config import DEMO_IDENTITY, KioskConfig, default_data_dir
from mock_backend.registry import parse_kiosk_spec

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


EXIT_STORE = 4  # the data directory or the store cannot be used (one clear message)


def _config(args: argparse.Namespace) -> KioskConfig:
    overrides = {}
    if getattr(args, "backend_url", None):
        overrides["backend_url"] = args.backend_url
    try:
        config = KioskConfig.load(args.data_dir, **overrides)
    except (TypeError, ValueError) as error:
        raise SystemExit(f"kiosk {args.command}: {error}") from error
    if getattr(args, "demo", False) and not config.enrolled:
        # The demo pairs with the mock backend it starts; a real identity is never replaced.
        config = config.replace(**DEMO_IDENTITY)
    for problem in config.problems:
        log.warning("%s", problem)
    return config


# -- card ---------------------------------------------------------------------------------


def cmd_card_read(args: argparse.Namespace) -> int:
    from drivers.errors import CardError
    from drivers.pcsc.service import read_first_card_within
    from drivers.ssc_profile import SocialSecurityCardProfile

    timeout_s = _config(args).card_read_timeout_s
    try:
        reader, identity, apdus = read_first_card_within(SocialSecurityCardProfile(), timeout_s)
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

    db = args.db or str((args.data_dir or default_data_dir()) / "backend.db")
    try:
        app = create_app(
            db,
            kiosks=args.kiosk or None,
            catalog_path=args.catalog,
            answer_delay_s=args.answer_delay_ms / 1000,
        )
    except ValueError as error:  # two kiosks with one number or one token
        print(f"kiosk backend: --kiosk: {error}", file=sys.stderr)
        return EXIT_USAGE
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def cmd_queue_status(args: argparse.Namespace) -> int:
    from kiosk.outbox import open_queue

    queue = open_queue(_config(args))
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

    config = _config(args)
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
    report = engine.sync_once(force=True)
    counts = queue.counts()
    print(
        f"sent {report.sent}, failed {report.failed}, quarantined {report.quarantined}, "
        f"still unsent {counts.unsent}" + (f" ({report.error})" if report.error else "")
    )
    return EXIT_OK if not (report.failed or report.held_s) else 1


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
    """A new PIN needs the current one (its tries count towards the lockout), unless the
    caller is root: whoever can read the store as root owns the kiosk anyway."""
    import getpass

    core = _offline_core(args)
    needs_current = core.pin.is_set and os.geteuid() != 0
    if args.stdin:
        current = sys.stdin.readline().strip() if needs_current else ""
        pin = sys.stdin.readline().strip()
    else:
        current = getpass.getpass("current staff PIN: ") if needs_current else ""
        pin = getpass.getpass("new staff PIN (6-8 digits): ")
        if getpass.getpass("again: ") != pin:
            print("the two PINs differ; nothing changed", file=sys.stderr)
            return EXIT_INVALID
    if needs_current:
        check = core.pin.check(current)
        if not check.ok:
            why = (
                f"locked for {check.locked_for_s:.0f} s"
                if check.locked
                else f"{check.attempts_left} tries left before a lock"
            )
            print(
                f"kiosk staff set-pin: the current PIN is wrong ({why}); nothing changed",
                file=sys.stderr,
            )
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


def _read_passphrase(args: argparse.Namespace, confirm: bool) -> str:
    import getpass

    if args.passphrase_file:
        return Path(args.passphrase_file).read_text(encoding="utf-8").strip()
    passphrase = getpass.getpass("backup passphrase: ")
    if confirm and getpass.getpass("again: ") != passphrase:
        raise ValueError("the two passphrases differ")
    return passphrase


def cmd_keys_backup(args: argparse.Namespace) -> int:
    """Write the queue key sealed under a passphrase (keep it off the kiosk)."""
    from kiosk.outbox import open_queue
    from offline_cache import BackupError, KeyProblem
    from offline_cache.keys import backup_key, fingerprint, read_key

    config = _config(args)
    queue = open_queue(config)
    expected = queue.store.meta("key_fingerprint")
    try:
        key = read_key(config.key_path)
        if expected is not None and fingerprint(key) != expected:
            raise ValueError(
                f"queue.key ({fingerprint(key)}) is not the key the store records "
                f"({expected}); a backup of it would not bring the rows back"
            )
        backup = backup_key(key, _read_passphrase(args, confirm=True))
    except (KeyProblem, BackupError, ValueError, OSError) as error:
        print(f"kiosk keys backup: {error}", file=sys.stderr)
        return EXIT_INVALID
    target = Path(args.file)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(backup.document)
    print(f"queue key {backup.fingerprint} backed up to {target} (sealed with the passphrase)")
    return EXIT_OK


def cmd_keys_restore(args: argparse.Namespace) -> int:
    """Put a backed-up key back. Refused when it is not the key the store was sealed with:
    that would only make the waiting rows unreadable for good."""
    from kiosk.outbox import open_queue
    from offline_cache import BackupError
    from offline_cache.keys import fingerprint, restore_key, write_key_file

    config = _config(args)
    try:
        key = restore_key(Path(args.file).read_bytes(), _read_passphrase(args, confirm=False))
    except (BackupError, ValueError, OSError) as error:
        print(f"kiosk keys restore: {error}", file=sys.stderr)
        return EXIT_INVALID
    queue = open_queue(config)
    expected = queue.store.meta("key_fingerprint")
    waiting = queue.counts().unsent + queue.counts().quarantined
    if expected is not None and expected != fingerprint(key) and waiting:
        print(
            f"kiosk keys restore: this backup holds key {fingerprint(key)}, but {waiting} "
            f"row(s) were sealed with {expected}; find the backup of {expected}. "
            "Nothing changed.",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if config.key_path.exists():
        # Never destroy a key: the one in place is kept beside it.
        kept = config.key_path.with_name(f"{config.key_path.name}.{os.getpid()}.replaced")
        os.replace(config.key_path, kept)
        print(f"the key that was in place is kept as {kept}")
    write_key_file(config.key_path, key)
    if not queue.reload_key():
        print(f"kiosk keys restore: {queue.key_problem}", file=sys.stderr)
        return EXIT_INVALID
    print(f"queue key {fingerprint(key)} restored; {queue.counts().unsent} row(s) can be sent")
    return EXIT_OK


def cmd_keys_status(args: argparse.Namespace) -> int:
    from kiosk.outbox import open_queue

    queue = open_queue(_config(args))
    expected = queue.store.meta("key_fingerprint")
    if queue.key_problem is not None:
        print(f"FAIL queue key: {queue.key_problem}")
        return EXIT_INVALID
    print(f"OK   queue key {expected} matches the store")
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    """Complete villager sessions through the real core (see kiosk/simulate.py)."""
    import secrets

    from kiosk.core import KioskCore
    from kiosk.simulate import Simulation, identities_from_csv, run_simulation

    config = _config(args)
    people = None
    if args.identities:
        try:
            people = identities_from_csv(Path(args.identities))
        except (OSError, ValueError) as error:
            print(f"kiosk simulate: {error}", file=sys.stderr)
            return EXIT_USAGE
    core = KioskCore(config, training=args.training)
    staff_pin = args.staff_pin
    if args.staff and staff_pin is None:
        if core.pin.is_set:
            print(
                "kiosk simulate: a staff PIN is set; give it with --staff-pin to mix in "
                "sign-ins (wrong tries lock the staff screen for 5 minutes)",
                file=sys.stderr,
            )
        else:
            staff_pin = f"{secrets.randbelow(10**6):06d}"
            core.pin.set_pin(staff_pin)
            print(f"kiosk simulate: staff PIN set to {staff_pin} (none was set)", file=sys.stderr)
    services = [s for s in (args.services or "").split(",") if s] or None
    try:
        simulation = Simulation(
            core,
            sessions=args.sessions,
            services=services,
            seed=args.seed,
            staff=args.staff,
            staff_pin=staff_pin,
            identities=people,
            stream=sys.stdout if args.stream else None,
            pause_s=args.pause_ms / 1000,
        )
    except ValueError as error:
        core.stop()
        print(f"kiosk simulate: {error}", file=sys.stderr)
        return EXIT_USAGE
    summary = run_simulation(core, simulation, args.drain_s)
    record = summary.as_json()
    if args.stream:
        print(json.dumps({"event": "summary", **record}, ensure_ascii=False))
    else:
        print(json.dumps(record, ensure_ascii=False, indent=1))
    healthy = summary.sync_loop_alive and summary.queue.get("quarantined", 0) == 0
    return EXIT_OK if healthy else 1


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
        "--kiosk",
        action="append",
        type=parse_kiosk_spec,
        metavar="ID:NUMBER:TOKEN",
        help="an enrolled kiosk: id, 4-digit number, bearer token (repeatable; default: "
        "the demo pairing kiosk-0001:0001:dev-token-kiosk-0001)",
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

    simulate = commands.add_parser(
        "simulate", help="run villager sessions through the real core (soak test, training)"
    )
    simulate.add_argument("--sessions", type=int, required=True)
    simulate.add_argument("--services", help="comma-separated service ids (default: the menu)")
    simulate.add_argument("--seed", type=int, default=None)
    simulate.add_argument(
        "--training", action="store_true", help="mark submissions as training (培训)"
    )
    simulate.add_argument(
        "--staff", action="store_true", help="mix in staff actions on another thread"
    )
    simulate.add_argument("--staff-pin", help="the staff PIN, for right and wrong sign-ins")
    simulate.add_argument("--identities", help="CSV of name,id_number,phone")
    simulate.add_argument(
        "--stream", action="store_true", help="one JSON line per durable event, then the summary"
    )
    simulate.add_argument("--pause-ms", type=float, default=0.0, help="between sessions")
    simulate.add_argument(
        "--drain-s", type=float, default=30.0, help="wait this long for the queue to empty"
    )
    simulate.add_argument("--backend-url")
    simulate.set_defaults(func=cmd_simulate)

    keys = commands.add_parser("keys", help="the queue key: back it up, restore it")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    for name, func, text in (
        ("backup", cmd_keys_backup, "write the key sealed under a passphrase"),
        ("restore", cmd_keys_restore, "put a backed-up key back"),
    ):
        sub = key_commands.add_parser(name, help=text)
        sub.add_argument("file")
        sub.add_argument("--passphrase-file", help="read the passphrase from this file")
        sub.set_defaults(func=func)
    key_status = key_commands.add_parser("status", help="does the key match the store?")
    key_status.set_defaults(func=cmd_keys_status)

    shots = commands.add_parser("screenshots", help="render every screen to PNG")
    shots.add_argument("--out", required=True)
    shots.set_defaults(func=cmd_screenshots)
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
