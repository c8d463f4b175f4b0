"""The Debian package, built once per test session by packaging/build-deb as CI builds it
(gzip: the same files, a quicker build). Building needs the wheelhouse or PyPI."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def build(out: Path, version: str | None = None) -> Path:
    command = [str(REPO / "packaging" / "build-deb"), "--gzip", "--out", str(out)]
    if version:
        command += ["--version", version]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    deb = out / f"village-kiosk_{version or VERSION}_amd64.deb"
    assert deb.is_file(), result.stdout
    return deb


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> Path:
    """village-kiosk_<pyproject version>_amd64.deb."""
    return build(tmp_path_factory.mktemp("deb"))


@pytest.fixture(scope="session")
def later_package(tmp_path_factory) -> Path:
    """The same tree as a later version, for the upgrade."""
    return build(tmp_path_factory.mktemp("deb-later"), f"{VERSION}.post1")
