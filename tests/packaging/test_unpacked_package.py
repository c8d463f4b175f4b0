"""Issue 16: the package's files alone run the kiosk. Unpacked into a clean directory
(dpkg-deb -x, no install, no maintainer scripts), with an environment that names nothing of
this checkout or its venv: `kiosk --version`, `kiosk doctor --json`, `kiosk screenshots`
offscreen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, VERSION


@pytest.fixture(scope="module")
def unpacked(package, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["dpkg-deb", "-x", str(package), str(directory)], check=True)
    return directory


def kiosk(
    unpacked: Path, home: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "KIOSK_DATA_DIR": str(home / "data"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [str(unpacked / "opt/village-kiosk/bin/kiosk"), *args],
        cwd=home,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_bundled_python_runs_the_unpacked_code(unpacked, tmp_path):
    """From this checkout's directory, as the kiosk command runs it (-I): the checkout's
    kiosk/ must not be the one imported."""
    python = unpacked / "opt/village-kiosk/bin/python"
    script = "import kiosk, PySide6, sys; print(kiosk.__file__, sys.prefix)"
    result = subprocess.run(
        [str(python), "-I", "-c", script],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    module, prefix = result.stdout.split()
    assert module.startswith(str(unpacked)) and prefix == str(unpacked / "opt/village-kiosk")


def test_version(unpacked, tmp_path):
    result = kiosk(unpacked, tmp_path, "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"village-kiosk {VERSION}")


def test_doctor_json(unpacked, tmp_path):
    result = kiosk(unpacked, tmp_path, "doctor", "--json", "--backend-url", "http://127.0.0.1:9")
    checks = {check["name"]: check for check in json.loads(result.stdout)}
    # Not enrolled and no backend here, so doctor says no (exit 1), with each check named.
    assert result.returncode == 1, result.stderr
    assert {
        "configuration",
        "enrolment",
        "store",
        "Chinese fonts",
        "voices (cmn, yue)",
    } <= checks.keys()
    assert checks["configuration"]["ok"] and checks["Chinese fonts"]["ok"]
    assert not checks["enrolment"]["ok"]


def test_screenshots_offscreen(unpacked, tmp_path):
    out = tmp_path / "shots"
    result = kiosk(unpacked, tmp_path, "screenshots", "--out", str(out), timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    shots = [Path(line) for line in result.stdout.splitlines()]
    assert len(shots) > 700  # 65 stops x 3 text sizes x 2 contrasts x 2 languages, less a few
    assert sorted(shots) == sorted(out.glob("*.png"))
    for shot in shots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
