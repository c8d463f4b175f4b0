"""Spacing, margins and minimum sizes declared in millimetres, kept true when the DPI
changes (a screen replaced by one of another size): each is stored on its layout or
widget as a property and re-applied in pixels by `apply`."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QWidget

from ui.theme import GAP_MM, Theme


def spacing(layout: QLayout, theme: Theme, mm: float = GAP_MM) -> QLayout:
    layout.setProperty("spacingMm", mm)
    layout.setSpacing(theme.px(mm))
    return layout


def margins(layout: QLayout, theme: Theme, horizontal_mm: float, vertical_mm: float) -> None:
    layout.setProperty("marginsMm", (horizontal_mm, vertical_mm))
    h, v = theme.px(horizontal_mm), theme.px(vertical_mm)
    layout.setContentsMargins(h, v, h, v)


def minimum_height(widget: QWidget, theme: Theme, mm: float) -> None:
    widget.setProperty("minHeightMm", mm)
    widget.setMinimumHeight(theme.px(mm))


def minimum_width(widget: QWidget, theme: Theme, mm: float) -> None:
    widget.setProperty("minWidthMm", mm)
    widget.setMinimumWidth(theme.px(mm))


def apply(root: QWidget, theme: Theme) -> None:
    """Re-apply every millimetre size under `root` at `theme`'s DPI."""
    for layout in root.findChildren(QLayout):
        if (mm := layout.property("spacingMm")) is not None:
            layout.setSpacing(theme.px(mm))
        if (mm := layout.property("minColumnMm")) is not None:
            layout.min_column_px = theme.px(mm)
        if (mm := layout.property("marginsMm")) is not None:
            h, v = theme.px(mm[0]), theme.px(mm[1])
            layout.setContentsMargins(h, v, h, v)
    for widget in root.findChildren(QWidget):
        if (mm := widget.property("minHeightMm")) is not None:
            widget.setMinimumHeight(theme.px(mm))
        if (mm := widget.property("minWidthMm")) is not None:
            widget.setMinimumWidth(theme.px(mm))
        if hasattr(widget, "apply_theme") and widget is not root:
            widget.apply_theme(theme)
