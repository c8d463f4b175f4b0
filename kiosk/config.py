"""Kiosk settings: declared once, typed, checked, documented.

Each setting is one `ConfigVar` on `KioskConfig` (key, type, default, allowed values, a
description, whether it is secret), after Electrum's `ConfigVar`. `KioskConfig.load` reads
`<data_dir>/kiosk.toml`: a wrong value or an unknown key is a `ConfigProblem` (logged, and
that setting runs on its default), an unreadable file is one problem and every default. The
kiosk's identity has no default: a kiosk whose kiosk.toml does not name it is not enrolled,
rather than silently posing as another kiosk (two kiosks sharing tracking numbers).

Settings given in code (`load(**overrides)`, `replace`) are checked the same way, but a bad
one is a programmer's error and raises TypeError or ValueError naming the key.

docs/configuration.md is generated from these declarations: python -m kiosk.config --write-docs
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, overload
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

T = TypeVar("T")

CONFIG_FILE = "kiosk.toml"
SECRET_MASK = "***"
DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
REGENERATE_DOCS = "python -m kiosk.config --write-docs"
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


def toml_text(value: object, limit: int = 60) -> str:
    """A value written as in TOML, on one line and short (for problems and docs)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)  # escapes newlines: one line
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))  # "the default 90", not 90.0
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ConfigVar(Generic[T]):
    """One setting: a class attribute of KioskConfig whose key is the attribute's name.

    The type is the default's (str, int, float or bool). Allowed values: `minimum` and
    `maximum`, or `choices`, or a regex `pattern` (full match), and/or a `check`; `expected`
    says it in English for staff (generated for numbers and choices). The default is always
    allowed ("" for an identity setting means "not set").
    """

    def __init__(
        self,
        default: T,
        description: str,
        *,
        minimum: T | None = None,
        maximum: T | None = None,
        choices: tuple[T, ...] = (),
        pattern: str | None = None,
        check: Callable[[T], bool] | None = None,
        expected: str = "",
        unit: str = "",
        secret: bool = False,
        default_note: str = "",
        staff: tuple[str, str] | None = None,
        staff_choices: tuple[T, ...] = (),
    ) -> None:
        self.default = default
        self.type: type = type(default)
        self.description = description
        self.minimum, self.maximum = minimum, maximum
        self.choices = choices
        self.pattern = re.compile(pattern) if pattern is not None else None
        self._check = check
        self._expected = expected
        self.unit = unit
        self.secret = secret
        self.default_note = default_note  # what the default means, e.g. "not enrolled"
        # Staff may change it on the terminal page: its caption (zh, en) and the buttons
        # offered (the choices, (False, True) for a switch, else `staff_choices`).
        self.staff_caption = staff
        self.staff_choices: tuple = (
            staff_choices or choices or ((False, True) if self.type is bool else ())
        )
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name
        # A declaration whose default breaks its own rule must fail at import, not on a
        # kiosk ("" is exempt: it means "not set").
        if self.default != "" and not self._allowed(self._convert(self.default)):
            raise ValueError(f"{name}: default {self.default!r} is not {self.expected}")

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> ConfigVar[T]: ...

    @overload
    def __get__(self, instance: KioskConfig, owner: type | None = None) -> T: ...

    def __get__(self, instance: KioskConfig | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._values[self.key]

    def __set__(self, instance: KioskConfig, value: object) -> None:
        raise AttributeError(f"{self.key} is read-only: use config.replace({self.key}=...)")

    @property
    def expected(self) -> str:
        if self._expected:
            return self._expected
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(toml_text(choice) for choice in self.choices)
        if self.type in (int, float):
            noun = "a whole number" if self.type is int else "a number"
            unit = f" of {self.unit}" if self.unit else ""
            return f"{noun}{unit} from {toml_text(self.minimum)} to {toml_text(self.maximum)}"
        return "a string"

    @property
    def type_name(self) -> str:
        """The type as TOML calls it (for the docs)."""
        names = {bool: "boolean", int: "integer", float: "number", str: "string"}
        return names[self.type]

    def shown(self, value: object) -> str:
        return SECRET_MASK if self.secret and value != "" else toml_text(value)

    def validate(self, value: object) -> T:
        """`value` as this setting's type. TypeError (wrong type) or ValueError (not
        allowed), each naming the key and saying what was expected."""
        converted = self._convert(value)
        if converted == self.default or self._allowed(converted):
            return converted
        raise ValueError(f"{self.key} = {self.shown(value)}: expected {self.expected}")

    def _convert(self, value: object) -> Any:
        # bool is an int in Python but not in TOML: `max_unsent_rows = true` is a mistake.
        if self.type is bool:
            if isinstance(value, bool):
                return value
        elif isinstance(value, bool):
            pass
        elif self.type is int:
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif self.type is float:
            if isinstance(value, int | float):
                return float(value)
        elif isinstance(value, self.type):
            return value
        raise TypeError(f"{self.key} = {self.shown(value)}: expected {self.expected}")

    def accepts(self, value: object) -> Any:
        """The value converted to this setting's type, or ValueError saying what is
        expected (staff choices are checked with the same rule as kiosk.toml)."""
        try:
            converted = self._convert(value)
        except TypeError as error:
            raise ValueError(str(error)) from error
        if not self._allowed(converted):
            raise ValueError(f"{self.key} = {value!r}: expected {self.expected}")
        return converted

    def _allowed(self, value: Any) -> bool:
        # `not (a <= v)` rather than `v < a`: NaN (valid TOML) fails every bound.
        if self.minimum is not None and not self.minimum <= value:
            return False
        if self.maximum is not None and not value <= self.maximum:
            return False
        if self.choices and value not in self.choices:
            return False
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return False
        return self._check is None or self._check(value)


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        port_ok = parts.port != 0  # .port raises ValueError when out of range or not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and port_ok
        and re.fullmatch(r"\S+", value) is not None
    )


URL = "an http:// or https:// URL"


class KioskConfig:
    """This kiosk's settings, immutable. `KioskConfig.load(data_dir)` reads kiosk.toml;
    `KioskConfig(data_dir, **settings)` is the defaults plus `settings` (no file read).

    `problems` lists what was wrong in kiosk.toml; `enrolled` says whether the kiosk has a
    usable identity (kiosk_id, kiosk_number, backend token) and `enrolment_problem` what
    to fix if not.
    """

    __slots__ = ("data_dir", "problems", "_values", "_identity_faults")

    # -- identity (enrolment): no defaults, so an unconfigured kiosk is not enrolled -------
    kiosk_id = ConfigVar(
        "",
        "This kiosk's name at the backend, given at enrolment (e.g. `kiosk-0042`); every "
        "submission carries it, and the backend refuses it unless it is the token's kiosk.",
        pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        expected="1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        default_note="not enrolled",
    )
    kiosk_number = ConfigVar(
        "",
        "Four digits that lead every tracking number this kiosk prints, so no two kiosks "
        'may share one. A TOML string: `kiosk_number = "0042"`.',
        pattern=r"(?!0000)[0-9]{4}",
        expected='exactly 4 digits in quotes, e.g. "0042", not "0000"',
        default_note="not enrolled",
    )
    backend_token = ConfigVar(
        "",
        "This kiosk's bearer token for the backend. Prefer `backend_token_file`; set one of "
        "the two, not both.",
        # Printable ASCII without spaces: it goes into an HTTP Authorization header.
        pattern=r"[\x21-\x7e]{16,512}",
        expected="16 to 512 printable ASCII characters without spaces",
        secret=True,
        default_note="not enrolled",
    )
    backend_token_file = ConfigVar(
        "",
        "A file holding the backend token (surrounding whitespace stripped), readable by its "
        "owner only (`chmod 600`); a relative path is under the data directory. A file that "
        "cannot be read, or that group or others may read, leaves the kiosk not enrolled.",
        pattern=r"[^\x00]{1,4096}",
        expected="a file path",
        default_note="use backend_token",
    )

    # -- backend ------------------------------------------------------------------------
    backend_url = ConfigVar(
        "http://127.0.0.1:8765",
        "The backend the kiosk sends submissions to (the default is the mock backend on "
        "loopback, `kiosk backend`).",
        check=_is_http_url,
        expected=URL,
    )
    public_status_url = ConfigVar(
        "http://127.0.0.1:8765/track",
        "Where the QR code on the receipt points: the public address of the status page; "
        "the tracking number is appended.",
        check=_is_http_url,
        expected=URL,
    )
    sync_timeout_s = ConfigVar(
        10.0,
        "How long one request to the backend may take before it counts as failed (and is retried).",
        minimum=1.0,
        maximum=120.0,
        unit="seconds",
    )
    # Minimums this low are for tests and drills (tests/e2e/test_pension_flow.py sends
    # with 0.2 s / 1 s / 1 s so that a backend outage recovers within its timeouts).
    sync_interval_s = ConfigVar(
        60.0,
        "How often the sync engine looks for due submissions when nothing wakes it (it also "
        "runs after each submission and on staff's 立即同步).",
        minimum=1.0,
        maximum=3600.0,
        unit="seconds",
    )
    retry_base_s = ConfigVar(
        5.0,
        "First wait after a failed send; it doubles on each further failure (with jitter) up "
        "to `retry_cap_s`. A Retry-After from the backend wins.",
        minimum=0.1,
        maximum=300.0,
        unit="seconds",
    )
    retry_cap_s = ConfigVar(
        900.0,
        "The longest wait between retries (15 minutes). At least `retry_base_s`, else both "
        "run on their defaults.",
        minimum=1.0,
        maximum=86400.0,
        unit="seconds",
    )

    # -- offline queue ------------------------------------------------------------------
    retention_days = ConfigVar(
        7.0,
        "Sent submissions are deleted this long after the backend acknowledged them (0: at once).",
        minimum=0.0,
        maximum=365.0,
        unit="days",
    )
    max_unsent_rows = ConfigVar(
        10_000,
        "Past this many unsent submissions the kiosk refuses new ones: the villager is sent "
        "to the counter and staff get an alert; nothing is written.",
        minimum=1,
        maximum=1_000_000,
        unit="rows",
    )
    min_free_disk_mb = ConfigVar(
        200,
        "Below this much free disk in the data directory the kiosk refuses new submissions "
        "the same way (`kiosk doctor` checks it too).",
        minimum=0,
        maximum=1_000_000,
        unit="MiB",
    )

    # -- card, screen, printer -----------------------------------------------------------
    card_read_timeout_s = ConfigVar(
        3.0,
        "A card silent this long during a read: the villager is asked to take it out and "
        "insert it again.",
        minimum=0.5,
        maximum=30.0,
        unit="seconds",
    )
    terminal_mode = ConfigVar(
        "service",
        "What the terminal is until staff choose: `service` (the service terminal) or "
        "`verifier` (验码: swipe a card, see a status).",
        choices=("service", "verifier"),
        staff=("终端模式", "Mode"),
    )
    text_size = ConfigVar(
        "standard",
        "Text size until staff choose one: `standard`, `large`, `extra_large`.",
        choices=("standard", "large", "extra_large"),
        staff=("默认字号", "Default text size"),
    )
    language = ConfigVar(
        "zh",
        "Language until staff choose one: `zh` (Mandarin voice), `yue` (Chinese on screen, "
        "Cantonese voice), `en`.",
        choices=("zh", "yue", "en"),
        staff=("默认语言", "Default language"),
    )
    idle_timeout_s = ConfigVar(
        90.0,
        "No tap this long: a 30 s countdown, then the session is wiped. Staff may choose "
        "another on the terminal page.",
        minimum=30.0,
        maximum=3600.0,
        unit="seconds",
        staff=("无操作退出", "Idle timeout"),
        staff_choices=(60.0, 90.0, 120.0, 180.0, 300.0),
    )
    high_contrast = ConfigVar(
        False,
        "High-contrast colours (>= 15:1) until staff choose.",
        staff=("高对比度", "High contrast"),
    )
    printer_name = ConfigVar(
        "",
        "The CUPS queue receipts print to; empty: no printer, receipts are written as PDF to "
        "`<data dir>/receipts/`.",
        # CUPS queue names: up to 127 printable characters, no space, tab, '/' or '#'.
        pattern=r"[^\x00-\x20/#\x7f]{1,127}",
        expected="a CUPS printer name (no spaces, '/' or '#'), or \"\"",
        default_note="receipts as PDF",
    )

    def __init__(self, data_dir: Path | str, **settings: object) -> None:
        values = {key: setting.default for key, setting in SETTINGS.items()}
        data_dir = Path(data_dir)
        values.update(_checked(settings, values, data_dir))
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
        values, problems = _read_file(data_dir / CONFIG_FILE, data_dir)
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
        values.update(_checked(changes, values, data_dir))
        token_changed = {"backend_token", "backend_token_file"} & changes.keys()
        changed = set(changes) | ({"backend_token"} if token_changed else set())
        faults = {k: p for k, p in self._identity_faults.items() if k not in changed}
        config = KioskConfig.__new__(KioskConfig)
        config._set(data_dir, values, self.problems, faults)
        return config

    @property
    def toml_path(self) -> Path:
        return self.data_dir / CONFIG_FILE

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
            f"This kiosk is not enrolled: {'; '.join(reasons)}. Fix: set kiosk_id, "
            f"kiosk_number and backend_token in {self.toml_path}, or run kiosk run --demo."
        )


SETTINGS: dict[str, ConfigVar[Any]] = {
    value.key: value for value in vars(KioskConfig).values() if isinstance(value, ConfigVar)
}


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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


def _checked(
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
    return values


def _retry_expected(values: Mapping[str, Any]) -> str:
    return (
        f"retry_cap_s = {toml_text(values['retry_cap_s'])}: expected at least retry_base_s "
        f"({toml_text(values['retry_base_s'])})"
    )


def _default_text(setting: ConfigVar[Any]) -> str:
    note = f" ({setting.default_note})" if setting.default_note else ""
    return f"using the default {toml_text(setting.default)}{note}"


def _read_file(path: Path, data_dir: Path) -> tuple[dict[str, Any], list[ConfigProblem]]:
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


def describe_settings() -> str:
    """The settings reference (Markdown), generated from the declarations."""
    lines = [
        "# Configuration",
        "",
        f"<!-- Generated from kiosk/config.py by `{REGENERATE_DOCS}`; do not edit. -->",
        "",
        "Settings live in `<data dir>/kiosk.toml` (`--data-dir`, `KIOSK_DATA_DIR`, else",
        "`~/.local/share/village-kiosk`). A missing file means every default (not enrolled).",
        "",
        "- A wrong value (wrong type, out of bounds, not one of the choices, bad pattern) or an",
        "  unknown key is logged as a warning and that setting runs on its default. An integer",
        "  is fine for a number; `true`/`false` is not a number; `10.0` is fine for an integer.",
        "- A file that cannot be read (bad TOML, bad UTF-8, permission denied) means every",
        "  default, and so the kiosk is **not enrolled**.",
        "- Enrolment: `kiosk_id`, `kiosk_number` and the token (`backend_token` or",
        "  `backend_token_file`) have no defaults. Until all three are set and valid the kiosk",
        "  is not enrolled, and says so, rather than posing as another kiosk.",
        "  `kiosk run --demo` uses the mock backend's demo pairing (kiosk-0001).",
        f"- Secret settings are never printed: problems show `{SECRET_MASK}`.",
        "",
        "Example:",
        "",
        "```toml",
        'kiosk_id = "kiosk-0042"',
        'kiosk_number = "0042"',
        'backend_token_file = "/etc/village-kiosk/token"  # chmod 600',
        'backend_url = "https://kiosk-api.example.gov.cn"',
        'public_status_url = "https://banshi.example.gov.cn/track"',
        "```",
        "",
        "| key | type | default | allowed | description |",
        "|---|---|---|---|---|",
    ]
    for key, setting in SETTINGS.items():
        default = f"`{toml_text(setting.default)}`"
        if setting.default_note:
            default += f" ({setting.default_note})"
        description = setting.description + (
            " **Secret**: never printed." if setting.secret else ""
        )
        cells = [f"`{key}`", setting.type_name, default, setting.expected, description]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.config", description="Print or write the settings reference."
    )
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS_PATH}")
    args = parser.parse_args(argv)
    text = describe_settings()
    if args.write_docs:
        DOCS_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DOCS_PATH}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def staff_settings() -> list[ConfigVar]:
    """The settings staff may change on the terminal page, in page order."""
    return [setting for setting in SETTINGS.values() if setting.staff_caption is not None]
