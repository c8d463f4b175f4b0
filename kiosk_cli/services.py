"""`kiosk services validate|list|import|export|schema`: the service catalog."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk_cli.configuration import offline_core
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


def _print_problems(heading: str, problems: list[str]) -> None:
    print(heading, file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def cmd_services_validate(args: argparse.Namespace) -> int:
    from kiosk.catalog import CatalogError, load_catalog_file

    try:
        catalog = load_catalog_file(Path(args.file))
    except CatalogError as error:
        heading = f"{args.file}: INVALID, {len(error.problems)} problem(s):"
        _print_problems(heading, error.problems)
        return EXIT_INVALID
    print(
        f"{args.file}: OK, catalog version {catalog.catalog_version}, "
        f"{len(catalog.services)} services, {len(catalog.policies)} policies"
    )
    return EXIT_OK


def cmd_services_list(args: argparse.Namespace) -> int:
    core = offline_core(args)
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
        print(f"catalog version {core.catalog.catalog_version} ({core.catalogs.path})")
        for row in rows:
            mark = "on " if row["enabled"] else "off"
            print(f"{row['position']:2}. [{mark}] {row['id']:32} {row['title']}")
    return EXIT_OK


def cmd_services_import(args: argparse.Namespace) -> int:
    from kiosk.catalog import CatalogError

    core = offline_core(args)
    try:
        raw = Path(args.file).read_bytes()
        catalog = core.install_catalog(raw)
    except OSError as error:
        print(f"kiosk services import: cannot read {args.file}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except CatalogError as error:
        heading = f"{args.file}: refused; the kiosk keeps its current catalog:"
        _print_problems(heading, error.problems)
        return EXIT_INVALID
    print(f"installed catalog version {catalog.catalog_version}, {len(catalog.services)} services")
    return EXIT_OK


def cmd_services_export(args: argparse.Namespace) -> int:
    core = offline_core(args)
    text = json.dumps(core.catalog.model_dump(exclude_none=True), ensure_ascii=False, indent=1)
    Path(args.file).write_text(text + "\n", encoding="utf-8")
    core.audit.record("catalog_exported")
    print(f"wrote catalog version {core.catalog.catalog_version} to {args.file}")
    return EXIT_OK


def cmd_services_schema(args: argparse.Namespace) -> int:
    from kiosk.catalog import catalog_json_schema

    print(json.dumps(catalog_json_schema(), ensure_ascii=False, indent=1))
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
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
