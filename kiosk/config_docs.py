"""The settings reference, docs/configuration.md, generated from the declarations
(kiosk/config_declarations.py).

`python -m kiosk.config --write-docs` writes it; tests/unit/kiosk/test_config.py fails
when the file in the repository is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config_declarations import SETTINGS
from kiosk.config_vars import SECRET_MASK, toml_text

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
REGENERATE_DOCS = "python -m kiosk.config --write-docs"


def describe_settings() -> str:
    """The settings reference (Markdown), generated from the declarations."""
    lines = [
        "# Configuration",
        "",
        f"<!-- Generated from kiosk/config_declarations.py by `{REGENERATE_DOCS}`; "
        "do not edit. -->",
        "",
        "Settings live in `<data dir>/kiosk.toml` (`--data-dir`, `KIOSK_DATA_DIR`, else",
        "`~/.local/share/village-kiosk`), or in the file `KIOSK_CONFIG` names (the Debian",
        "package: `/etc/village-kiosk/kiosk.toml`, data in `/var/lib/village-kiosk`; see",
        "docs/deploy.md). A missing file means every default (not enrolled).",
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
