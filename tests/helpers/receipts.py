"""A receipt to print, and reading a printed one back: the QR code decoded by a real
decoder (zxing-cpp), never by our own code."""

from __future__ import annotations

import datetime as dt

import zxingcpp

from kiosk.submission import Receipt
from kiosk.text import Text

TRACKING_NUMBER = "0001001000000170"
STATUS_URL = f"http://127.0.0.1:8765/track/{TRACKING_NUMBER}"


def sample_receipt(**changes) -> Receipt:
    fields = {
        "tracking_number": TRACKING_NUMBER,
        "service_title": Text("高龄津贴申请", "Old-age allowance"),
        "submitted_at": dt.datetime(2025, 3, 1, 9, 30),
        "status_url": STATUS_URL,
        "next_steps": Text(
            "工作人员将在5个工作日内审核,结果会短信通知您。",
            "Staff will review within 5 working days; you will get a text message.",
        ),
    }
    fields.update(changes)
    return Receipt(**fields)


def decoded_qr_codes(image) -> list[str]:
    """Every QR code zxing-cpp finds in `image` (a Pillow image), as text."""
    return [
        result.text
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]
