"""Kiosk settings: declared once, typed, with defaults that boot on a bare machine.

Read from `<data_dir>/kiosk.toml` if present; a missing or corrupt file falls back to the
defaults (and says so in the log) rather than stopping the kiosk.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    if env := os.environ.get("KIOSK_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "village-kiosk"


@dataclass(frozen=True)
class KioskConfig:
    data_dir: Path
    backend_url: str = "http://127.0.0.1:8765"
    # Where the QR code on the receipt points; the public address of the status page.
    public_status_url: str = "http://127.0.0.1:8765/track"
    kiosk_id: str = "kiosk-0001"
    # This kiosk's bearer token for the backend (the mock backend's built-in dev pairing).
    backend_token: str = "dev-token-kiosk-0001"
    kiosk_number: str = "0001"  # 4 digits, leads every tracking number of this kiosk
    card_read_timeout_s: float = 3.0  # a card silent this long: "take it out, insert again"
    sync_interval_s: float = 60.0
    sync_timeout_s: float = 10.0
    retry_base_s: float = 5.0
    retry_cap_s: float = 900.0  # 15 minutes
    retention_days: float = 7.0  # sent rows are deleted this long after the acknowledgement
    max_unsent_rows: int = 10_000  # past this, new submissions are refused (with a message)
    min_free_disk_mb: int = 200  # ... and below this much free disk
    language: str = "zh"  # zh (Mandarin voice), yue (Cantonese voice), en; staff may change
    idle_timeout_s: float = 90.0  # no tap this long: a countdown, then the session is wiped
    printer_name: str = ""  # "" = the system default printer, else a PDF in receipts/

    @property
    def store_path(self) -> Path:
        return self.data_dir / "kiosk.db"

    @property
    def receipt_pdf_dir(self) -> Path | None:
        """Receipts go to PDF here when no printer is named (a kiosk without a printer)."""
        return None if self.printer_name else self.data_dir / "receipts"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "queue.key"

    @classmethod
    def load(cls, data_dir: Path | None = None, **overrides: object) -> KioskConfig:
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        config = cls(data_dir=data_dir)
        path = data_dir / "kiosk.toml"
        if path.exists():
            try:
                values = tomllib.loads(path.read_text(encoding="utf-8"))
                known = {f.name for f in fields(cls)} - {"data_dir"}
                config = replace(config, **{k: v for k, v in values.items() if k in known})
            except (OSError, tomllib.TOMLDecodeError, TypeError, UnicodeDecodeError) as error:
                log.warning("ignoring unreadable %s, running on defaults: %s", path, error)
        return replace(config, **overrides) if overrides else config
