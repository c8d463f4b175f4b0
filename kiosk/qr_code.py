"""The QR code's module matrix, one encoder for the screen (ui/widgets.py paints it with
Qt) and the thermal receipt (kiosk/receipt_raster.py draws it with Pillow)."""

from __future__ import annotations

import qrcode


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """Dark modules as True, `border` light modules all round (4 is the standard's quiet
    zone). Error correction M: a smudge or a fold still scans."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()
