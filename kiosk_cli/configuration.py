"""Turning the command line into a configuration, and a core that starts no threads."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from kiosk.config import DEMO_IDENTITY, KioskConfig

if TYPE_CHECKING:
    from kiosk.core import KioskCore

log = logging.getLogger("kiosk")


def load_config(args: argparse.Namespace) -> KioskConfig:
    """kiosk.toml in `--data-dir`, with `--backend-url` over it; `--demo` pairs an
    unenrolled kiosk with the mock backend. Problems are logged, never fatal."""
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


def offline_core(args: argparse.Namespace) -> KioskCore:
    """The store and catalog without starting the card or sync threads."""
    from kiosk.core import KioskCore

    return KioskCore(load_config(args))
