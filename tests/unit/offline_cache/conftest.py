import subprocess

import pytest


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory on a read-only bind mount: what a kiosk sees when its data partition
    was remounted read-only after errors (root ignores permission bits, not mounts)."""
    target = tmp_path / "ro"
    target.mkdir()
    subprocess.run(["mount", "--bind", str(target), str(target)], check=True)
    try:
        subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(target)], check=True, capture_output=True
        )
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=False)
