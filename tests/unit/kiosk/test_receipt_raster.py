"""The thermal receipt's drawing: the roll's exact width, nothing in the margins, Chinese
drawn with a CJK font (not the empty boxes of a font without it), the QR code."""

from __future__ import annotations

import pytest

from drivers.printer.errors import PrinterUnavailable
from kiosk import receipt_raster
from kiosk.receipt_raster import MARGIN, font, render_receipt, wrap
from tests.helpers.receipts import STATUS_URL, decoded_qr_codes, sample_receipt


@pytest.mark.parametrize("width", [384, 576])
def test_the_receipt_is_the_roll_wide_with_clear_margins_and_a_readable_qr(width):
    image = render_receipt(sample_receipt(), width)
    assert image.mode == "1" and image.width == width and 500 < image.height < 1200
    pixels = image.load()
    inked_margin = [
        (x, y)
        for y in range(image.height)
        for x in (*range(MARGIN), *range(width - MARGIN, width))
        if pixels[x, y] == 0
    ]
    assert inked_margin == []  # the large tracking number fits even 58 mm
    assert decoded_qr_codes(image) == [STATUS_URL]


def test_a_wrong_width_is_refused():
    with pytest.raises(ValueError, match="384"):
        render_receipt(sample_receipt(), 400)


def glyph(text: str) -> bytes:
    from PIL import Image, ImageDraw

    canvas = Image.new("1", (40, 40), 1)
    ImageDraw.Draw(canvas).text((4, 0), text, font=font(28), fill=0)
    return canvas.tobytes()


def test_chinese_is_drawn_with_a_font_that_has_it():
    # A font without CJK draws every character as the same empty box.
    assert len({glyph(char) for char in "办件编号回执"}) == 6
    # The check can fail: characters no font has all come out the same.
    assert len({glyph(chr(0xF0000 + i)) for i in range(3)}) == 1


def test_a_training_receipt_says_so():
    plain = render_receipt(sample_receipt(), 576)
    training = render_receipt(sample_receipt(training=True), 576)
    assert training.height > plain.height


def test_lines_break_between_cjk_characters_and_at_spaces():
    face = font(24)
    lines = wrap("工作人员将在5个工作日内审核 Staff will review within days", face, 200)
    assert all(face.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == "工作人员将在5个工作日内审核Staffwillreviewwithindays"
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in lines)


def test_without_the_noto_cjk_font_the_printer_is_unavailable(monkeypatch):
    monkeypatch.setattr(receipt_raster, "FONT_FAMILY", "No Such Font Family")
    receipt_raster._font_file.cache_clear()
    receipt_raster.font.cache_clear()
    try:
        with pytest.raises(PrinterUnavailable, match="fonts-noto-cjk"):
            render_receipt(sample_receipt(), 576)
    finally:
        receipt_raster._font_file.cache_clear()
        receipt_raster.font.cache_clear()
