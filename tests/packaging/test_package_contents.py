"""Issue 16: what the package holds: control fields, conffiles, maintainer scripts, the
systemd units and drop-ins, lintian without errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, VERSION

UNIT = "lib/systemd/system/village-kiosk.service"


def field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def control(package, tmp_path_factory) -> Path:
    """The control archive, unpacked (dpkg-deb -e)."""
    directory = tmp_path_factory.mktemp("control")
    subprocess.run(["dpkg-deb", "-e", str(package), str(directory)], check=True)
    return directory


@pytest.fixture(scope="module")
def tree(package, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("tree")
    subprocess.run(["dpkg-deb", "-x", str(package), str(directory)], check=True)
    return directory


def directives(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit, repeated keys kept (configparser folds them)."""
    found, section = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.append((section, key, value))
    return found


def values(path: Path, section: str, key: str) -> list[str]:
    return [v for s, k, v in directives(path) if (s, k) == (section, key)]


def test_control_names_the_version_and_the_kiosks_dependencies(package):
    assert field(package, "Package") == "village-kiosk"
    assert field(package, "Version") == VERSION
    assert field(package, "Architecture") == "amd64"
    depends = {re.sub(r"\s*\(.*\)", "", d).strip() for d in field(package, "Depends").split(",")}
    assert {"pcscd", "fonts-noto-cjk", "espeak-ng", "cage", "python3", "libpcsclite1"} <= depends
    assert "xwayland" in depends  # Debian's cage exits at start without it (test-deb runs it)
    # Qt's own libraries come from the bundled wheels; the system ones it links are Depends.
    assert {"libegl1", "libwayland-client0", "libfontconfig1", "libxkbcommon0"} <= depends
    assert package.name == f"village-kiosk_{VERSION}_amd64.deb"


def test_conffiles_and_maintainer_scripts(control):
    assert (control / "conffiles").read_text().split() == [
        "/etc/pam.d/village-kiosk",
        "/etc/village-kiosk/kiosk.toml",
    ]
    for script in ("postinst", "prerm", "postrm"):
        path = control / script
        assert path.stat().st_mode & 0o111, f"{script} is not executable"
        subprocess.run(["sh", "-n", str(path)], check=True)  # syntax
    postinst = (control / "postinst").read_text()
    assert "--shell /usr/sbin/nologin" in postinst
    assert postinst.index("kiosk migrate") < postinst.index("deb-systemd-invoke")
    postrm = (control / "postrm").read_text()
    purge = postrm[postrm.index('if [ "$1" = "purge" ]') :]
    assert "rm -rf /var/lib/village-kiosk /etc/village-kiosk" in purge
    assert "userdel village-kiosk" in purge


def test_the_kiosk_unit_runs_cage_on_tty1_under_the_watchdog(tree):
    unit = tree / UNIT
    assert values(unit, "Service", "Type") == ["notify"]
    assert values(unit, "Service", "NotifyAccess") == ["all"]  # the kiosk is cage's child
    assert values(unit, "Service", "WatchdogSec") == ["30s"]
    assert values(unit, "Service", "Restart") == ["always"]
    assert values(unit, "Unit", "StartLimitIntervalSec") == ["0"]
    assert values(unit, "Service", "User") == ["village-kiosk"]
    assert values(unit, "Service", "ExecStart") == [
        "/usr/bin/cage -d -- /opt/village-kiosk/bin/kiosk run --fullscreen"
    ]
    assert values(unit, "Service", "ExecStartPre") == ["/opt/village-kiosk/bin/kiosk migrate"]
    assert values(unit, "Service", "TTYPath") == ["/dev/tty1"]
    assert values(unit, "Service", "PAMName") == ["village-kiosk"]
    assert values(unit, "Service", "StandardError") == ["journal"]
    assert "getty@tty1.service" in values(unit, "Unit", "Conflicts")
    environment = values(unit, "Service", "Environment")
    assert "KIOSK_CONFIG=/etc/village-kiosk/kiosk.toml" in environment
    assert "KIOSK_DATA_DIR=/var/lib/village-kiosk" in environment
    assert values(unit, "Install", "WantedBy") == ["multi-user.target"]
    assert (tree / "etc/pam.d/village-kiosk").is_file()
    getty = tree / "lib/systemd/system/getty@tty1.service.d/village-kiosk.conf"
    assert values(getty, "Unit", "ConditionPathExists") == [
        "!/etc/systemd/system/multi-user.target.wants/village-kiosk.service"
    ]


def test_pcscd_runs_without_auto_exit_and_the_kiosk_never_sleeps(tree):
    dropin = tree / "lib/systemd/system/pcscd.service.d/village-kiosk.conf"
    assert values(dropin, "Service", "ExecStart") == [
        "",
        "/usr/sbin/pcscd --foreground $PCSCD_ARGS",
    ]
    logind = tree / "usr/lib/systemd/logind.conf.d/village-kiosk.conf"
    assert values(logind, "Login", "HandleLidSwitch") == ["ignore"]
    assert values(logind, "Login", "IdleAction") == ["ignore"]
    sleep = tree / "usr/lib/systemd/sleep.conf.d/village-kiosk.conf"
    assert values(sleep, "Sleep", "AllowSuspend") == ["no"]
    assert values(sleep, "Sleep", "AllowHibernation") == ["no"]


def test_the_command_and_the_bundled_environment(tree):
    assert (tree / "usr/bin/kiosk").readlink() == Path("/opt/village-kiosk/bin/kiosk")
    assert (tree / "opt/village-kiosk/bin/python3").readlink() == Path("/usr/bin/python3")
    command = (tree / "opt/village-kiosk/bin/kiosk").read_text()
    assert command.count('/python" -I -X faulthandler -m kiosk_cli "$@"') == 2  # root or not
    assert "home = /usr/bin" in (tree / "opt/village-kiosk/pyvenv.cfg").read_text()
    site = tree / "opt/village-kiosk/lib/python3.11/site-packages"
    assert (site / "kiosk_cli" / "__main__.py").is_file()
    assert not list(site.glob("pip")) and not list(site.rglob("__pycache__"))
    # Every dependency pyproject.toml names is installed (pip's metadata), none left out.
    names = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert {"pyside6_essentials", "pyscard", "cryptography", "duckdb", "pyarrow"} <= names


def lintian_errors(deb: Path) -> list[str]:
    result = subprocess.run(
        ["lintian", "--tag-display-limit", "0", str(deb)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return [line for line in result.stdout.splitlines() if line.startswith("E:")]


def test_lintian_finds_no_errors(package):
    assert lintian_errors(package) == []


def test_every_lintian_override_gives_its_reason(tree):
    lines = (tree / "usr/share/lintian/overrides/village-kiosk").read_text().splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert number > 0 and lines[number - 1].startswith("#"), f"no reason for {line}"


def test_the_lintian_check_sees_an_error(tmp_path):
    """The control: a package with a file in /etc that is not a conffile is an error."""
    root = tmp_path / "broken"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc" / "broken.conf").write_text("x = 1\n")
    (root / "DEBIAN" / "control").write_text(
        "Package: broken\nVersion: 1\nArchitecture: all\nMaintainer: A <a@example.org>\n"
        "Description: broken\n a package lintian must refuse\n"
    )
    deb = tmp_path / "broken.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)], check=True)
    assert any("file-in-etc-not-marked-as-conffile" in line for line in lintian_errors(deb))


def test_setup_installs_what_building_and_testing_the_package_need():
    setup = (REPO / "scripts" / "setup").read_text()
    for tool in ("lintian", "mmdebstrap", "dpkg-dev", "binutils"):
        assert re.search(rf"\b{tool}\b", setup), tool
