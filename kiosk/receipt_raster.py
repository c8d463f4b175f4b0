"""The receipt as one black-and-white image the width of the thermal roll (384 dots for
58 mm, 576 for 80 mm, at 8 dots a millimetre), drawn with Pillow: no Qt here.

Why a raster and not the printer's own Chinese text (GB18030 after FS &): only printers
sold with Chinese firmware have that font, its sizes are fixed multiples, and an unknown
printer prints the bytes as Latin garbage. Every ESC/POS printer prints GS v 0 images,
the Noto CJK font the window uses draws the same characters here, and the QR code sits in
the same image. The cost is bytes: 38-55 KB a receipt, nothing on USB or the network, but
about a minute at 9600 baud on a serial line (docs/printing.md).

What is printed is what the receipt screen shows, and no more: the service, the tracking
number (large), the time, what happens next, the QR code of the status page. No name, ID
or card number (ARCHITECTURE.md, "Where personal data lives").
"""

from __future__ import annotations

import functools
import subprocess
from typing import TYPE_CHECKING

from drivers.printer.errors import PrinterUnavailable
from kiosk.qr_code import qr_matrix
from kiosk.text import Text

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.ImageFont import FreeTypeFont

    from kiosk.submission import Receipt

FONT_FAMILY = "Noto Sans CJK SC"  # fonts-noto-cjk, as on screen (ui/theme.py)
MARGIN = 8  # dots each side: the head's outermost dots print faintly on many printers
GAP = 10  # dots between blocks
BODY, HEADING, NUMBER_MAX = 24, 28, 56  # pixel sizes: 3 mm body text, 7 mm digits at most
QR_MODULE = {384: 6, 576: 8}  # dots a QR module: 0.75 / 1 mm, read by any phone at 20 cm

T_HEADING = Text("村级政务服务自助终端 · 办件回执", "Village service kiosk · Receipt")
T_TRAINING = Text("培训 TRAINING · 非正式办件", "not a real application")
T_NUMBER = Text("办件编号", "Tracking number")
T_SUBMITTED = Text("提交时间", "Submitted")
T_SCAN = Text("扫码查询办理进度", "Scan to follow progress")


@functools.cache
def _font_file(bold: bool) -> tuple[str, int]:
    """(file, index in the collection) of the Noto CJK face, as fontconfig finds it."""
    pattern = f"{FONT_FAMILY}:style={'Bold' if bold else 'Regular'}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        path, index, family = out.split("\n", 2)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        raise PrinterUnavailable(f"fontconfig cannot be asked for a font ({error})") from error
    if FONT_FAMILY not in family:  # fc-match always answers something, e.g. DejaVu Sans
        raise PrinterUnavailable(
            f"the font {FONT_FAMILY} is not installed (apt-get install fonts-noto-cjk)"
        )
    return path, int(index or 0)


@functools.cache
def font(size: int, bold: bool = False) -> FreeTypeFont:
    from PIL import ImageFont

    path, index = _font_file(bold)
    return ImageFont.truetype(path, size, index=index)


def render_receipt(receipt: Receipt, width_dots: int) -> Image:
    """The receipt, `width_dots` wide (384 or 576), mode "1" (black on white)."""
    if width_dots not in QR_MODULE:
        raise ValueError(f"width {width_dots}: expected 384 (58 mm) or 576 (80 mm)")
    page = _Page(width_dots)
    page.text(T_HEADING.zh, HEADING, bold=True)
    if receipt.training:  # kiosk simulate --training: never mistaken for a real one
        page.text(f"{T_TRAINING.zh} {T_TRAINING.en}", HEADING, bold=True)
    page.gap()
    page.text(receipt.service_title.zh, HEADING, bold=True)
    page.text(receipt.service_title.en, BODY)
    page.gap()
    page.text(f"{T_NUMBER.zh} {T_NUMBER.en}", BODY)
    page.fitted(receipt.grouped_tracking_number, NUMBER_MAX, bold=True)
    page.text(f"{T_SUBMITTED.zh} {T_SUBMITTED.en}: {receipt.submitted_at:%Y-%m-%d %H:%M}", BODY)
    page.gap()
    page.text(receipt.next_steps.zh, BODY)
    page.text(receipt.next_steps.en, BODY)
    page.gap()
    page.qr(receipt.status_url, QR_MODULE[width_dots])
    page.text(f"{T_SCAN.zh} {T_SCAN.en}", BODY, centred=True)
    return page.image()


class _Page:
    """Lines drawn top to bottom, then cropped to what was drawn."""

    def __init__(self, width: int) -> None:
        from PIL import Image, ImageDraw

        self.width = width
        self.canvas = Image.new("1", (width, 4000), 1)
        self.draw = ImageDraw.Draw(self.canvas)
        self.y = MARGIN

    def gap(self) -> None:
        self.y += GAP

    def text(self, text: str, size: int, *, bold: bool = False, centred: bool = False) -> None:
        face = font(size, bold)
        line_height = round(size * 1.35)
        for line in wrap(text, face, self.width - 2 * MARGIN):
            x = MARGIN
            if centred:
                x = (self.width - round(face.getlength(line))) // 2
            self.draw.text((x, self.y), line, font=face, fill=0)
            self.y += line_height

    def fitted(self, text: str, largest: int, *, bold: bool = False) -> None:
        """One line, as large as fits the roll (the tracking number)."""
        size = largest
        while size > BODY and font(size, bold).getlength(text) > self.width - 2 * MARGIN:
            size -= 2
        self.text(text, size, bold=bold)

    def qr(self, data: str, module: int) -> None:
        matrix = qr_matrix(data, border=0)
        side = len(matrix) * module
        quiet = 4 * module  # the standard's quiet zone, white all round
        left = (self.width - side) // 2
        top = self.y + quiet
        for row, line in enumerate(matrix):
            for column, dark in enumerate(line):
                if dark:
                    x, y = left + column * module, top + row * module
                    self.draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
        self.y = top + side + quiet

    def image(self) -> Image:
        return self.canvas.crop((0, 0, self.width, self.y + MARGIN))


def wrap(text: str, face: FreeTypeFont, width: float) -> list[str]:
    """Lines no wider than `width`: broken between CJK characters or at spaces."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if line and face.getlength(candidate.rstrip()) > width:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line = candidate
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words with their trailing space, each CJK character (and punctuation) alone."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if ord(char) >= 0x2E80:  # CJK and full-width forms: a break is allowed anywhere
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        else:
            word += char
            if char == " ":
                tokens.append(word)
                word = ""
    if word:
        tokens.append(word)
    return tokens
