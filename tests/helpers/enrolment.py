"""Kiosks in tests are enrolled with the demo identity (the backend's embedded pairing)."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import DEMO_IDENTITY
from offline_cache import declare_first_store

DEMO_TOML = "".join(f'{key} = "{value}"\n' for key, value in DEMO_IDENTITY.items())


def enrolled(data_dir: Path, **overrides: object) -> dict[str, object]:
    """Overrides for KioskConfig.load: the demo identity, and a data directory declared a
    first store (so receipts are numbered without asking a backend)."""
    declare_first_store(Path(data_dir))
    return {**DEMO_IDENTITY, **overrides}


def write_enrolled_toml(data_dir: Path, extra: str = "") -> Path:
    """A kiosk.toml with the demo identity, for CLI subprocesses."""
    data_dir = Path(data_dir)
    declare_first_store(data_dir)
    path = data_dir / "kiosk.toml"
    path.write_text(DEMO_TOML + extra, encoding="utf-8")
    return path
