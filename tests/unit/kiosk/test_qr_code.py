"""The QR matrix without Pillow: qrcode would import Pillow's drawers (4.4 MB of RSS in
every kiosk) only for backward compatibility; the thermal receipt still draws with it."""

import subprocess
import sys
import textwrap

from kiosk.qr_code import qr_matrix


def test_the_kiosk_starts_and_draws_a_qr_code_without_pillow(tmp_path):
    script = textwrap.dedent(
        """
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import kiosk.core, ui.main_window, ui.printing
        from kiosk.qr_code import qr_matrix
        from ui.widgets import QrCodeWidget
        matrix = qr_matrix("VK-0001-20261122-0001")
        assert len(matrix) == 33, len(matrix)  # version 2 (25 modules) + 2 x 4 quiet zone
        print("PIL" in sys.modules, "qrcode" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_the_matrix_has_its_finder_patterns_and_quiet_zone():
    matrix = qr_matrix("VK-0001-20261122-0001", border=4)
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    assert not any(matrix[0]) and not any(row[0] for row in matrix)  # the quiet zone
    # The top-left finder pattern: a dark 7x7 ring with a dark 3x3 centre.
    finder = [row[4:11] for row in matrix[4:11]]
    assert all(finder[0]) and all(finder[6]) and all(r[0] and r[6] for r in finder)
    assert not any(finder[1][1:6]) and all(finder[3][2:5])
