"""Every setting of kiosk.toml, declared once, in one place.

Each setting is a `ConfigVar` class attribute of `DeclaredSettings`; `KioskConfig`
(kiosk/config.py) inherits them, so `config.idle_timeout_s` is the value and
`KioskConfig.idle_timeout_s` the declaration. A new setting is one more declaration here
(`staff=` puts it on the staff screen's terminal page); then regenerate
docs/configuration.md with `python -m kiosk.config --write-docs`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from drivers.printer.address import EXPECTED as PRINTER_URL_EXPECTED
from drivers.printer.address import is_printer_url
from kiosk.config_vars import ConfigVar


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


class DeclaredSettings:
    """The declarations; `KioskConfig` adds the values (kiosk/config.py)."""

    __slots__ = ()

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

    # -- usage log (kiosk/usage.py) -----------------------------------------------------
    usage_retention_days = ConfigVar(
        90.0,
        "Usage events (de-identified: docs/usage-events.md) are kept this long in "
        "`<data dir>/usage.db`, counted from their session's start, sent or not.",
        minimum=1.0,
        maximum=730.0,
        unit="days",
    )
    usage_demographics = ConfigVar(
        False,
        "Record the villager's age band (e.g. 60-69) and sex with each session's usage "
        "events. Off unless staff switch it on.",
        staff=("使用记录含年龄段和性别", "Usage log: age band and sex"),
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
    id_card_port = ConfigVar(
        "",
        "The serial port of the resident ID-card (SAM) reader, e.g. `/dev/ttyUSB0` or a "
        "stable `/dev/serial/by-id/...` link; empty: no ID-card reader, social security "
        "cards only.",
        pattern=r"/[^\x00]{0,4095}",
        expected='an absolute device path, or ""',
        default_note="no ID-card reader",
    )
    id_card_baud = ConfigVar(
        115200,
        "The ID-card reader's serial speed (GA/T 467 readers: 115200 8N1; a few older ones "
        "are set to 9600).",
        choices=(9600, 19200, 38400, 57600, 115200),
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
    screen_dpi = ConfigVar(
        0.0,
        "The screen's physical dots per inch, which every size on screen is computed from "
        "(text, touch targets). 0: from the size the screen reports (its EDID) when "
        'plausible (70-200), else 102 (21.5" 1920x1080). Set it when a panel reports '
        "nonsense; `kiosk doctor` says which is in use.",
        check=lambda dpi: dpi == 0 or 60.0 <= dpi <= 320.0,
        expected="0 (automatic) or 60 to 320",
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
    receipt_printer = ConfigVar(
        "auto",
        "Where 打印回执 prints: `escpos` (a 58 or 80 mm thermal printer at `escpos_url`), "
        "`cups` (the CUPS queue `printer_name`, A4 in an office), `pdf` (files in "
        "`<data dir>/receipts/`), `none` (no print button), or `auto`: `cups` when "
        "`printer_name` is set, else `pdf`. See docs/printing.md.",
        choices=("auto", "escpos", "cups", "pdf", "none"),
    )
    escpos_url = ConfigVar(
        "",
        'The thermal printer for `receipt_printer = "escpos"`: `tcp://HOST[:PORT]` (a '
        "network printer's raw port, 9100 unless given), a USB printer's device such as "
        "`/dev/usb/lp0`, or a serial one as `serial:/dev/ttyUSB0?baud=19200` (9600 unless "
        "given).",
        check=is_printer_url,
        expected=PRINTER_URL_EXPECTED,
        default_note="no thermal printer",
    )
    paper_width_mm = ConfigVar(
        80,
        "The thermal printer's roll: 80 mm (576 dots printed) or 58 mm (384 dots).",
        choices=(58, 80),
        unit="mm",
    )
    printer_name = ConfigVar(
        "",
        "The CUPS queue receipts print to (`receipt_printer` `cups` or `auto`); empty: the "
        "system's default queue for `cups`, PDF files for `auto`.",
        # CUPS queue names: up to 127 printable characters, no space, tab, '/' or '#'.
        pattern=r"[^\x00-\x20/#\x7f]{1,127}",
        expected="a CUPS printer name (no spaces, '/' or '#'), or \"\"",
        default_note="receipts as PDF",
    )

    # -- verifier (验码一体机; docs/status-list.md) ------------------------------------------
    verifier_lookup_key = ConfigVar(
        "",
        "The HMAC key this kiosk shares with the backend (base64, at least 16 bytes; the "
        "file `kiosk backend --lookup-key` names). ID numbers are looked up, online and in "
        "the status list, only as HMAC-SHA256 under it.",
        pattern=r"[A-Za-z0-9+/]{22,}={0,2}",
        expected="base64 of at least 16 bytes",
        secret=True,
        default_note="the verifier cannot look anyone up",
    )
    verifier_public_key = ConfigVar(
        "",
        "The Ed25519 key the status list must be signed with, as `kiosk backend "
        "--print-public-key` prints it (`ed25519:` + base64). A list signed otherwise is "
        "refused and the last good one kept.",
        pattern=r"ed25519:[A-Za-z0-9+/]{43}=",
        expected="ed25519: followed by 44 base64 characters",
        default_note="no offline list",
    )
    status_list_refresh_s = ConfigVar(
        300.0,
        "How often the verifier asks the backend for a newer status list (If-None-Match: "
        "an unchanged list costs one small answer).",
        minimum=1.0,
        maximum=86400.0,
        unit="seconds",
    )
    clock_skew_max_s = ConfigVar(
        120.0,
        "How far this kiosk's clock may be from the backend's HTTP Date (or behind the "
        "list's issue time) before the verifier answers 无法核验 and alerts staff.",
        minimum=1.0,
        maximum=86400.0,
        unit="seconds",
    )


SETTINGS: dict[str, ConfigVar[Any]] = {
    value.key: value for value in vars(DeclaredSettings).values() if isinstance(value, ConfigVar)
}
