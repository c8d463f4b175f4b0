"""Pictograms drawn by QtSvg from the bundled SVGs, in the colour of the text beside them."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QLabel

from kiosk.pictograms import pictogram_svg

RENDER_PX = 192  # drawn once this large; Qt scales it down to the button's icon size


@lru_cache(maxsize=64)
def pixmap_for(name: str, colour: str = "#0B2A5B", side: int = RENDER_PX) -> QPixmap:
    svg = pictogram_svg(name).replace(b"currentColor", colour.encode())
    renderer = QSvgRenderer(QByteArray(svg))
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    return pixmap


def icon_for(name: str, colour: str = "#0B2A5B") -> QIcon:
    return QIcon(pixmap_for(name, colour))


def pictogram_label(name: str, side_px: int, colour: str) -> QLabel:
    """A pictogram as a label beside words (never alone: MIIT elder guidance)."""
    picture = QLabel()
    picture.setObjectName("pictogram")
    picture.setFixedSize(side_px, side_px)
    picture.setPixmap(
        pixmap_for(name, colour).scaled(
            side_px,
            side_px,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    )
    picture.setProperty("pictogramName", name)
    return picture
