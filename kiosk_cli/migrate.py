"""`kiosk migrate`: bring the store in the data directory to this software's schema, before
the kiosk starts (the Debian package's postinst runs it on every install and upgrade, so a
store the new software cannot use stops the upgrade with a message instead of a kiosk that
fails at boot)."""

from __future__ import annotations

import argparse

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from offline_cache import SCHEMA_VERSION, open_store

    path = load_config(args).store_path
    if not path.exists():
        # A new kiosk: the store is made at first start, with its epoch (never here).
        print(f"{path}: no store yet, nothing to migrate")
        return EXIT_OK
    store = open_store(path)  # checks, repairs and migrates; StoreError -> exit 4 (main)
    try:
        found = store.upgraded_from
        change = f"migrated from schema {found}" if found else "already current"
        print(f"{path}: schema {SCHEMA_VERSION} ({change})")
        if store.repair is not None:
            print(f"{path}: repaired: {store.repair}")
    finally:
        store.close()
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser(
        "migrate", help="bring the store to this software's schema (run before the kiosk starts)"
    )
    migrate.set_defaults(func=cmd_migrate)
