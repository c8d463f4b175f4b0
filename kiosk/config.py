"""Kiosk settings: declared once, typed, checked, documented.

`KioskConfig` is this kiosk's settings, immutable: the declarations of
kiosk/config_declarations.py (each a `ConfigVar`, kiosk/config_vars.py) with their values.
`KioskConfig.load` reads `<data_dir>/kiosk.toml`, or the file `KIOSK_CONFIG` names
(kiosk/config_file.py): a wrong value or an
unknown key is a `ConfigProblem` (logged, and that setting runs on its default), an
unreadable file is one problem and every default. The kiosk's identity has no default: a
kiosk whose kiosk.toml does not name it is not enrolled, rather than silently posing as
another kiosk (two kiosks sharing tracking numbers).

Settings given in code (`load(**overrides)`, `replace`) are checked the same way, but a bad
one is a programmer's error and raises TypeError or ValueError naming the key.

docs/configuration.md is generated from the declarations (kiosk/config_docs.py):
python -m kiosk.config --write-docs
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.config_declarations import SETTINGS, DeclaredSettings
from kiosk.config_file import CONFIG_FILE, ConfigProblem, checked_settings, read_config_file
from kiosk.config_vars import ConfigVar

log = logging.getLogger(__name__)

IDENTITY_KEYS = ("kiosk_id", "kiosk_number", "backend_token")

# The mock backend's embedded pairing (mock_backend/app.py DEV_TOKENS). Never a default:
# `kiosk run --demo` and tests pass it as overrides.
DEMO_IDENTITY: Mapping[str, str] = {
    "kiosk_id": "kiosk-0001",
    "kiosk_number": "0001",
    "backend_token": "dev-token-kiosk-0001",
}


def default_data_dir() -> Path:
    if env := os.environ.get("KIOSK_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "village-kiosk"


def config_file_path(data_dir: Path) -> Path:
    """kiosk.toml: `KIOSK_CONFIG` when set (the Debian package sets
    /etc/village-kiosk/kiosk.toml, a conffile), else in the data directory."""
    if env := os.environ.get("KIOSK_CONFIG"):
        return Path(env)
    return data_dir / CONFIG_FILE


class KioskConfig(DeclaredSettings):
    """This kiosk's settings, immutable. `KioskConfig.load(data_dir)` reads kiosk.toml;
    `KioskConfig(data_dir, **settings)` is the defaults plus `settings` (no file read).
    Each declared setting is an attribute (`config.idle_timeout_s`).

    `problems` lists what was wrong in kiosk.toml; `enrolled` says whether the kiosk has a
    usable identity (kiosk_id, kiosk_number, backend token) and `enrolment_problem` what
    to fix if not.
    """

    __slots__ = ("data_dir", "problems", "_values", "_identity_faults")

    def __init__(self, data_dir: Path | str, **settings: object) -> None:
        values = {key: setting.default for key, setting in SETTINGS.items()}
        data_dir = Path(data_dir)
        values.update(checked_settings(settings, values, data_dir))
        self._set(data_dir, values, (), {})

    def _set(
        self,
        data_dir: Path,
        values: dict[str, Any],
        problems: tuple[ConfigProblem, ...],
        identity_faults: dict[str, ConfigProblem],
    ) -> None:
        object.__setattr__(self, "data_dir", data_dir)
        object.__setattr__(self, "problems", problems)
        object.__setattr__(self, "_values", values)
        # Identity settings whose kiosk.toml value was refused (and not overridden since).
        object.__setattr__(self, "_identity_faults", identity_faults)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"KioskConfig is immutable: use config.replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("KioskConfig is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KioskConfig):
            return NotImplemented
        return (self.data_dir, self._values) == (other.data_dir, other._values)

    def __hash__(self) -> int:
        return hash((self.data_dir, tuple(self._values.items())))

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={SETTINGS[key].shown(v)}" for key, v in self._values.items())
        return f"KioskConfig(data_dir={str(self.data_dir)!r}, {shown})"

    @classmethod
    def load(cls, data_dir: Path | str | None = None, **overrides: object) -> KioskConfig:
        """Settings from `<data_dir>/kiosk.toml` (problems logged, never raised), then
        `overrides` (checked; a bad one raises TypeError or ValueError)."""
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        values, problems = read_config_file(config_file_path(data_dir), data_dir)
        for problem in problems:
            log.warning("%s", problem)
        faults: dict[str, ConfigProblem] = {}
        for problem in problems:
            keys = IDENTITY_KEYS if problem.key == CONFIG_FILE else (problem.key,)
            for key in keys:
                key = "backend_token" if key == "backend_token_file" else key
                if key in IDENTITY_KEYS:
                    faults.setdefault(key, problem)
        config = cls.__new__(cls)
        config._set(data_dir, values, tuple(problems), faults)
        return config.replace(**overrides) if overrides else config

    def replace(self, **changes: object) -> KioskConfig:
        """A copy with `changes` (settings, or `data_dir`), each checked like an override."""
        data_dir = changes.pop("data_dir", self.data_dir)
        if not isinstance(data_dir, Path | str):
            raise TypeError(f"data_dir = {data_dir!r}: expected a path")
        data_dir = Path(data_dir)
        values = dict(self._values)
        values.update(checked_settings(changes, values, data_dir))
        token_changed = {"backend_token", "backend_token_file"} & changes.keys()
        changed = set(changes) | ({"backend_token"} if token_changed else set())
        faults = {k: p for k, p in self._identity_faults.items() if k not in changed}
        config = KioskConfig.__new__(KioskConfig)
        config._set(data_dir, values, self.problems, faults)
        return config

    @property
    def toml_path(self) -> Path:
        return config_file_path(self.data_dir)

    @property
    def store_path(self) -> Path:
        return self.data_dir / "kiosk.db"

    @property
    def receipt_mode(self) -> str:
        """`receipt_printer` with `auto` decided: escpos, cups, pdf or none."""
        if self.receipt_printer == "auto":
            return "cups" if self.printer_name else "pdf"
        return self.receipt_printer

    @property
    def receipt_pdf_dir(self) -> Path | None:
        """Receipts go to PDF here when the kiosk prints to PDF (no printer)."""
        return self.data_dir / "receipts" if self.receipt_mode == "pdf" else None

    @property
    def key_path(self) -> Path:
        return self.data_dir / "queue.key"

    @property
    def enrolled(self) -> bool:
        """kiosk_id, kiosk_number and a backend token are all set, and none was refused."""
        return not self._identity_faults and all(self._values[key] for key in IDENTITY_KEYS)

    @property
    def enrolment_problem(self) -> str:
        """Empty when enrolled; else, for staff and `kiosk doctor`, what is wrong and the fix."""
        if self.enrolled:
            return ""
        reasons: list[str] = []
        for problem in self._identity_faults.values():
            if problem.key == CONFIG_FILE:
                reason = f"{CONFIG_FILE} {problem.subject()}"
            else:
                reason = f"{problem.subject()} is wrong: expected {problem.expected}"
            if reason not in reasons:  # an unreadable file faults all three: say it once
                reasons.append(reason)
        missing = [
            key
            for key in IDENTITY_KEYS
            if not self._values[key] and key not in self._identity_faults
        ]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            reasons.append(f"{_and(missing)} {verb} not set")
        return (
            f"This kiosk is not enrolled: {'; '.join(reasons)}. Fix: kiosk enrol --backend "
            f"URL --code CODE (a one-time code from the backend's operator), or set kiosk_id, "
            f"kiosk_number and backend_token in {self.toml_path}; or run kiosk run --demo."
        )


def staff_settings() -> list[ConfigVar]:
    """The settings staff may change on the terminal page, in page order."""
    return [setting for setting in SETTINGS.values() if setting.staff_caption is not None]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


if __name__ == "__main__":
    from kiosk.config_docs import main

    sys.exit(main())
