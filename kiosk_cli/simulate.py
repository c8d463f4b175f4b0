"""`kiosk simulate`: complete villager sessions through the real core (kiosk/simulate.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_OK, EXIT_USAGE


def cmd_verifier_simulation(args: argparse.Namespace) -> int:
    from kiosk.core import KioskCore
    from kiosk.simulate import identities_from_csv
    from kiosk.simulate_verifier import run_verifier_simulation

    people = None
    if args.identities:
        try:
            people = [person for person, _ in identities_from_csv(Path(args.identities))]
        except (OSError, ValueError) as error:
            print(f"kiosk simulate: {error}", file=sys.stderr)
            return EXIT_USAGE
    core = KioskCore(load_config(args), training=args.training, mode="verifier")
    summary = run_verifier_simulation(
        core, args.verifier, seed=args.seed, people=people, drain_s=args.drain_s
    )
    print(json.dumps(summary.as_json(), ensure_ascii=False, indent=1))
    return EXIT_OK if summary.queue.get("quarantined", 0) == 0 else 1


def cmd_simulate(args: argparse.Namespace) -> int:
    import secrets

    if args.verifier is not None:
        return cmd_verifier_simulation(args)
    if args.sessions is None:
        print("kiosk simulate: give --sessions N (or --verifier N)", file=sys.stderr)
        return EXIT_USAGE

    from kiosk.core import KioskCore
    from kiosk.simulate import Simulation, identities_from_csv, run_simulation

    config = load_config(args)
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
            abandon_rate=args.abandon_rate,
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


def register(commands: argparse._SubParsersAction) -> None:
    simulate = commands.add_parser(
        "simulate", help="run villager sessions through the real core (soak test, training)"
    )
    simulate.add_argument("--sessions", type=int, help="villager sessions on the service terminal")
    simulate.add_argument(
        "--verifier",
        type=int,
        metavar="N",
        help="N card swipes through the core in verifier mode (验码) instead of sessions",
    )
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
        "--abandon-rate",
        type=float,
        default=0.0,
        help="share of villagers (0-1) who give up at a random step (card out or the idle "
        "timer); the summary's usage_truth has the ground truth per service and step",
    )
    simulate.add_argument(
        "--drain-s", type=float, default=30.0, help="wait this long for the queue to empty"
    )
    simulate.add_argument("--backend-url")
    simulate.set_defaults(func=cmd_simulate)
