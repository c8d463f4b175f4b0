"""Sizes in physical units, computed from the screen's DPI (accessibility.md).

A kiosk is read from ~500 mm: the body text's capital letters must be >= 6.1 mm tall
and touch targets >= 15 mm. Pixels follow from the configured DPI, not from Qt points.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DPI = 102.0  # 21.5" 1920x1080
# Noto Sans CJK's capital height is 0.733 em; pixel size = cap height / this.
CAP_HEIGHT_PER_EM = 0.733
FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "sans-serif"]


@dataclass(frozen=True)
class Palette:
    background: str = "#FFFFFF"
    text: str = "#1A1A1A"
    muted_text: str = "#3D3D3D"
    primary: str = "#0B3D91"
    on_primary: str = "#FFFFFF"
    secondary: str = "#E8EEF7"
    on_secondary: str = "#0B2A5B"
    danger: str = "#8B0000"
    on_danger: str = "#FFFFFF"
    success: str = "#0F5132"
    on_success: str = "#FFFFFF"
    banner: str = "#FFF4CE"
    on_banner: str = "#3B2A00"


@dataclass(frozen=True)
class Theme:
    dpi: float = DEFAULT_DPI
    body_cap_mm: float = 6.5
    palette: Palette = Palette()

    def px(self, millimetres: float) -> int:
        return round(millimetres * self.dpi / 25.4)

    def font_px(self, cap_mm: float) -> int:
        return round(self.px(cap_mm) / CAP_HEIGHT_PER_EM)

    @property
    def body_px(self) -> int:
        return self.font_px(self.body_cap_mm)

    @property
    def title_px(self) -> int:
        return self.font_px(self.body_cap_mm * 1.35)

    @property
    def huge_px(self) -> int:
        return self.font_px(self.body_cap_mm * 2.0)

    @property
    def small_px(self) -> int:
        return self.font_px(max(4.2, self.body_cap_mm * 0.7))

    @property
    def touch_px(self) -> int:
        return self.px(16.0)  # >= 15 mm

    @property
    def gap_px(self) -> int:
        return self.px(4.0)  # >= 3 mm between targets

    def stylesheet(self) -> str:
        p = self.palette
        return f"""
        QWidget {{ background: {p.background}; color: {p.text};
                   font-size: {self.body_px}px; }}
        QLabel[textStyle="title"] {{ font-size: {self.title_px}px; font-weight: bold; }}
        QLabel[textStyle="huge"] {{ font-size: {self.huge_px}px; font-weight: bold; }}
        QLabel[textStyle="small"] {{ font-size: {self.small_px}px; color: {p.muted_text}; }}
        QLabel[textStyle="banner"] {{ background: {p.banner}; color: {p.on_banner};
                         padding: {self.px(3)}px; }}
        QLabel[textStyle="problem"] {{ color: {p.danger}; font-weight: bold; }}
        QPushButton {{ background: {p.secondary}; color: {p.on_secondary};
                       border: 2px solid {p.on_secondary}; border-radius: {self.px(2)}px;
                       min-height: {self.touch_px}px; min-width: {self.touch_px}px;
                       padding: 0 {self.px(5)}px; }}
        QPushButton[role="primary"] {{ background: {p.primary}; color: {p.on_primary};
                                       border-color: {p.primary}; font-weight: bold; }}
        QPushButton[role="danger"] {{ background: {p.danger}; color: {p.on_danger};
                                      border-color: {p.danger}; }}
        QPushButton:disabled {{ background: #D0D0D0; color: #303030; border-color: #707070; }}
        QFrame#demoPanel {{ background: #F0F0F0; border-top: 2px dashed #707070; }}
        QFrame#demoPanel QPushButton {{ font-size: {self.small_px}px; }}
        """
