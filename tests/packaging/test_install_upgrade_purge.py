"""Issue 16: packaging/test-deb installs this build's package in a throwaway Debian 12 root,
upgrades it to a later build with queued rows, a key, an enrolment and a modified
kiosk.toml, removes and purges it (see the script for every check)."""

import subprocess

from tests.packaging.conftest import REPO


def test_install_upgrade_remove_purge_in_a_debian_12_root(package, later_package):
    result = subprocess.run(
        [
            str(REPO / "packaging" / "test-deb"),
            "--previous",
            str(package),
            "--current",
            str(later_package),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rows queued" in result.stdout and "passed in" in result.stdout
