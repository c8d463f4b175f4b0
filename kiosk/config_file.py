"""Reading kiosk.toml, and checking settings given in code by the same rules.

`read_config_file` gives every default, then each valid value of the file: a wrong value
or an unknown key is a `ConfigProblem` (logged by the caller; that setting runs on its
default), an unreadable file is one problem and every default. `checked_settings` applies
the same rules to settings given in code (`KioskConfig.load(**overrides)`, `replace`),
where a bad one is a programmer's error and raises TypeError or ValueError naming the key.
Both read `backend_token_file` (owner-only, never a FIFO that hangs the boot) and both
want `retry_cap_s` at least `retry_base_s`.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config_declarations import SETTINGS
from kiosk.config_docs import DOCS_PATH
from kiosk.config_vars import SECRET_MASK, ConfigVar, toml_text

CONFIG_FILE = "kiosk.toml"
ESCPOS_NEEDS_URL = "escpos_url set as well (the thermal printer's address)"


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in kiosk.toml. `value` is what the file said (SECRET_MASK for a
    secret setting, so the token never reaches a log or `kiosk doctor --json`)."""

    key: str  # a setting, an unknown key, or CONFIG_FILE for the file as a whole
    value: object
    expected: str
    fallback: str = ""  # what the kiosk does instead, e.g. "using the default 90"
    secret: bool = False

    def __str__(self) -> str:
        text = f"{CONFIG_FILE}: {self.subject()}: expected {self.expected}"
        return f"{text}; {self.fallback}" if self.fallback else text

    def subject(self) -> str:
        """`key = value` as in the file (`***` for a secret), or the file's read error."""
        if self.key == CONFIG_FILE:
            return f"cannot be read ({self.value})"
        return f"{self.key} = {SECRET_MASK if self.secret else toml_text(self.value)}"


def _unknown_key_hint(key: str) -> str:
    close = difflib.get_close_matches(key, SETTINGS, n=1, cutoff=0.7)
    return f"did you mean {close[0]}?" if close else f"see {DOCS_PATH.parent.name}/{DOCS_PATH.name}"


def _read_token_file(path_text: str, data_dir: Path) -> tuple[str, str]:
    """(token, "") or ("", what the file should be)."""
    path = Path(path_text).expanduser()
    path = path if path.is_absolute() else data_dir / path
    try:
        # O_NONBLOCK: a FIFO put there by mistake must not hang the boot.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            mode = os.fstat(fd).st_mode  # of the file we read, not a path checked before
            if not stat.S_ISREG(mode):
                return "", "a regular file holding the token"
            if mode & 0o077:
                return "", (
                    f"a file only its owner can read (it is mode {stat.S_IMODE(mode):04o}: "
                    f"chmod 600 {path})"
                )
            raw = os.read(fd, 4097)
        finally:
            os.close(fd)
    except OSError as error:
        return "", f"a readable file holding the token ({error.strerror or error})"
    try:
        token = raw.decode("utf-8").strip()
        return SETTINGS["backend_token"].validate(token), ""
    except (UnicodeDecodeError, TypeError, ValueError):
        return "", f"a file holding the token: {SETTINGS['backend_token'].expected}"


def checked_settings(
    changes: Mapping[str, object], base: Mapping[str, Any], data_dir: Path
) -> dict[str, Any]:
    """Settings given in code, checked: a bad one is a programmer's error, so it raises."""
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in SETTINGS:
            raise TypeError(f"KioskConfig has no setting {key!r}: {_unknown_key_hint(key)}")
        values[key] = SETTINGS[key].validate(value)
    if values.get("backend_token_file"):
        if "backend_token" in values:
            raise ValueError("give backend_token or backend_token_file, not both")
        token, expected = _read_token_file(values["backend_token_file"], data_dir)
        if expected:
            raise ValueError(
                f"backend_token_file = {toml_text(values['backend_token_file'])}: "
                f"expected {expected}"
            )
        values["backend_token"] = token
    merged = {**base, **values}
    if merged["retry_cap_s"] < merged["retry_base_s"]:
        raise ValueError(_retry_expected(merged))
    if merged["receipt_printer"] == "escpos" and not merged["escpos_url"]:
        raise ValueError(f'receipt_printer = "escpos": expected {ESCPOS_NEEDS_URL}')
    return values


def _retry_expected(values: Mapping[str, Any]) -> str:
    return (
        f"retry_cap_s = {toml_text(values['retry_cap_s'])}: expected at least retry_base_s "
        f"({toml_text(values['retry_base_s'])})"
    )


def _default_text(setting: ConfigVar[Any]) -> str:
    note = f" ({setting.default_note})" if setting.default_note else ""
    return f"using the default {toml_text(setting.default)}{note}"


def read_config_file(path: Path, data_dir: Path) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """Defaults, then each valid value of kiosk.toml; what was refused, as problems."""
    values = {key: setting.default for key, setting in SETTINGS.items()}
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return values, []
    except OSError as error:  # permission denied, a directory, an I/O error
        return values, [_unreadable(error)]
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return values, [_unreadable(error)]
    problems = []
    for key, value in document.items():
        setting = SETTINGS.get(key)
        if setting is None:
            hint = _unknown_key_hint(key)
            # A typo of a secret key must not put the token in the log.
            secret = re.search(r"token|secret|pass", key, re.I) is not None or any(
                SETTINGS[name].secret for name in difflib.get_close_matches(key, SETTINGS, 1, 0.7)
            )
            value = SECRET_MASK if secret else value
            problems.append(
                ConfigProblem(key, value, f"a known setting ({hint})", "ignored", secret)
            )
            continue
        try:
            values[key] = setting.validate(value)
        except (TypeError, ValueError):
            shown = SECRET_MASK if setting.secret else value
            problems.append(
                ConfigProblem(key, shown, setting.expected, _default_text(setting), setting.secret)
            )
    if values["backend_token_file"]:
        problems.extend(_apply_token_file(values, document, data_dir))
    if values["retry_cap_s"] < values["retry_base_s"]:
        problems.append(
            ConfigProblem(
                "retry_cap_s",
                values["retry_cap_s"],
                f"at least retry_base_s ({toml_text(values['retry_base_s'])})",
                f"using the defaults retry_base_s = {toml_text(SETTINGS['retry_base_s'].default)}"
                f" and retry_cap_s = {toml_text(SETTINGS['retry_cap_s'].default)}",
            )
        )
        values["retry_base_s"] = SETTINGS["retry_base_s"].default
        values["retry_cap_s"] = SETTINGS["retry_cap_s"].default
    if values["receipt_printer"] == "escpos" and not values["escpos_url"]:
        problems.append(
            ConfigProblem(
                "receipt_printer",
                "escpos",
                ESCPOS_NEEDS_URL,
                _default_text(SETTINGS["receipt_printer"]),
            )
        )
        values["receipt_printer"] = SETTINGS["receipt_printer"].default
    return values, problems


def _apply_token_file(
    values: dict[str, Any], document: Mapping[str, object], data_dir: Path
) -> Iterable[ConfigProblem]:
    path_text = values["backend_token_file"]
    if "backend_token" in document:
        # Two tokens: which one is this kiosk? Neither, rather than a guess.
        values["backend_token"] = ""
        yield ConfigProblem(
            "backend_token_file",
            path_text,
            "backend_token or backend_token_file, not both",
            "the kiosk is not enrolled",
        )
        return
    token, expected = _read_token_file(path_text, data_dir)
    if expected:
        yield ConfigProblem("backend_token_file", path_text, expected, "the kiosk is not enrolled")
    values["backend_token"] = token


def _unreadable(error: Exception) -> ConfigProblem:
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return ConfigProblem(
        CONFIG_FILE,
        reason,
        "a readable UTF-8 TOML file",
        "every setting on its default, so the kiosk is not enrolled",
    )
