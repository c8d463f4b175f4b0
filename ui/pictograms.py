"""Pictograms drawn by QtSvg from the bundled SVGs, in the colour of the text beside them."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QLabel

from kiosk.pictograms import pictogram_svg


@lru_cache(maxsize=128)
def pixmap_for(name: str, colour: str, side: int) -> QPixmap:
    """The pictogram drawn from its SVG at `side` pixels, in `colour`. Drawn at the size
    shown (never a large copy scaled down: that held ~150 KB a pictogram), and kept:
    Qt's own caches key a pixmap by its identity, so a fresh copy at every render grew
    the kiosk (~6 KB a step)."""
    svg = pictogram_svg(name).replace(b"currentColor", colour.encode())
    renderer = QSvgRenderer(QByteArray(svg))
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    return pixmap


def icon_for(name: str, colour: str, side: int) -> QIcon:
    """An icon for a button whose icon size is `side` pixels square."""
    return QIcon(pixmap_for(name, colour, side))


def pictogram_label(name: str, side_px: int, colour: str) -> QLabel:
    """A pictogram as a label beside words (never alone: MIIT elder guidance)."""
    picture = QLabel()
    picture.setObjectName("pictogram")
    show_pictogram(picture, name, colour, side_px)
    return picture


def show_pictogram(picture: QLabel, name: str, colour: str, side_px: int) -> None:
    """Draw pictogram `name` on `picture`, again for a new answer, DPI or contrast."""
    picture.setFixedSize(side_px, side_px)
    picture.setPixmap(pixmap_for(name, colour, side_px))
    picture.setProperty("pictogramName", name)
