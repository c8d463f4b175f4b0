"""`kiosk keys backup|restore|status`: the queue key, kept safe off the kiosk."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kiosk_cli.configuration import load_config
from kiosk_cli.exit_codes import EXIT_INVALID, EXIT_OK


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

    config = load_config(args)
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

    config = load_config(args)
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

    queue = open_queue(load_config(args))
    expected = queue.store.meta("key_fingerprint")
    if queue.key_problem is not None:
        print(f"FAIL queue key: {queue.key_problem}")
        return EXIT_INVALID
    print(f"OK   queue key {expected} matches the store")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
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
