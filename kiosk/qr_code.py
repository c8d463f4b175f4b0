"""The QR code's module matrix, one encoder for the screen (ui/widgets.py paints it with
Qt) and the thermal receipt (kiosk/receipt_raster.py draws it with Pillow)."""

from __future__ import annotations

import importlib.abc
import sys

# qrcode imports its Pillow module drawers whenever Pillow is installed (python-escpos
# brings it), only for backward compatibility; we need the matrix, never its images.
# Those drawers cost every kiosk 4.4 MB of RSS for Pillow (benchmarks/ui.py), so they are
# left out; the thermal receipt imports Pillow itself, when it prints.
_PILLOW_DRAWERS = "qrcode.image.styles.moduledrawers.pil"


class _WithoutPillowDrawers(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 (importlib API)
        if name == _PILLOW_DRAWERS:
            raise ImportError(f"{name}: not needed for a module matrix")
        return None


_finder = _WithoutPillowDrawers()
sys.meta_path.insert(0, _finder)
try:
    import qrcode
finally:
    sys.meta_path.remove(_finder)
    # Imported again, with Pillow, should anyone later want qrcode's own drawers.
    sys.modules.pop("qrcode.image.styles.moduledrawers", None)


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """Dark modules as True, `border` light modules all round (4 is the standard's quiet
    zone). Error correction M: a smudge or a fold still scans."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()
