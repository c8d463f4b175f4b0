"""This kiosk's software version: pyproject.toml's `version`, the one source of truth.

Installed (the Debian package's bundled venv, a pip install) it is read from the
package's metadata, which pip wrote from pyproject.toml; in a source checkout that is not
installed, from pyproject.toml itself.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "village-kiosk"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def kiosk_version() -> str:
    # A checkout on the path (PYTHONPATH, tests) wins over whatever venv it runs in: the
    # metadata there may be another checkout's.
    if _PYPROJECT.is_file():
        with _PYPROJECT.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
