"""Sizes in physical units, computed from the screen's DPI (accessibility.md).

A kiosk is read from ~500 mm: the body text's capital letters must be >= 6.1 mm tall,
touch targets >= 15 mm with >= 3 mm between them. Pixels follow from the configured DPI
(as VotingWorks' make_theme does), not from Qt points. Three text sizes; a default mode
with every colour pair >= 7:1 and a high-contrast mode with every pair >= 15:1.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

DEFAULT_DPI = 102.0  # 21.5" 1920x1080
# Noto Sans CJK's capital height is 0.733 em; pixel size = cap height / this.
CAP_HEIGHT_PER_EM = 0.733
FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "sans-serif"]
# Body capital height per text size, mm. All three meet the 6.1 mm elder minimum.
TEXT_SIZES_MM = {"standard": 6.4, "large": 7.6, "extra_large": 8.8}
TOUCH_MM = 16.0  # >= 15 mm
GAP_MM = 4.0  # >= 3 mm


@dataclass(frozen=True)
class Palette:
    """Foreground/background pairs: every `on_x` is drawn on `x`."""

    background: str
    text: str
    muted_text: str
    primary: str
    on_primary: str
    secondary: str
    on_secondary: str
    danger: str
    on_danger: str
    success: str
    on_success: str
    banner: str
    on_banner: str
    disabled: str
    on_disabled: str
    chip_checked: str
    on_chip_checked: str


DEFAULT_PALETTE = Palette(
    background="#FFFFFF",
    text="#1A1A1A",
    muted_text="#3D3D3D",
    primary="#0B3D91",
    on_primary="#FFFFFF",
    secondary="#E8EEF7",
    on_secondary="#0B2A5B",
    danger="#8B0000",
    on_danger="#FFFFFF",
    success="#0F5132",
    on_success="#FFFFFF",
    banner="#FFF4CE",
    on_banner="#3B2A00",
    disabled="#E0E0E0",
    on_disabled="#3A3A3A",
    chip_checked="#0B3D91",
    on_chip_checked="#FFFFFF",
)
# White on black with yellow for what acts (VotingWorks' high contrast is >= 20:1).
HIGH_CONTRAST_PALETTE = Palette(
    background="#000000",
    text="#FFFFFF",
    muted_text="#FFFFFF",
    primary="#FFFF00",
    on_primary="#000000",
    secondary="#000000",
    on_secondary="#FFFFFF",
    danger="#000000",
    on_danger="#FFFF00",
    success="#000000",
    on_success="#FFFFFF",
    banner="#FFFFFF",
    on_banner="#000000",
    disabled="#000000",
    on_disabled="#E6E6E6",
    chip_checked="#FFFFFF",
    on_chip_checked="#000000",
)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of #RRGGBB."""
    channels = []
    for index in (1, 3, 5):
        value = int(colour[index : index + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Theme:
    dpi: float = DEFAULT_DPI
    text_size: str = "standard"
    high_contrast: bool = False

    @property
    def palette(self) -> Palette:
        return HIGH_CONTRAST_PALETTE if self.high_contrast else DEFAULT_PALETTE

    @property
    def body_cap_mm(self) -> float:
        return TEXT_SIZES_MM.get(self.text_size, TEXT_SIZES_MM["standard"])

    def with_(self, **changes: object) -> Theme:
        return replace(self, **changes)

    def px(self, millimetres: float) -> int:
        return round(millimetres * self.dpi / 25.4)

    def mm(self, pixels: float) -> float:
        return pixels * 25.4 / self.dpi

    def font_px(self, cap_mm: float) -> int:
        return round(self.px(cap_mm) / CAP_HEIGHT_PER_EM)

    @property
    def body_px(self) -> int:
        return self.font_px(self.body_cap_mm)

    @property
    def title_px(self) -> int:
        return self.font_px(self.body_cap_mm * 1.25)

    @property
    def huge_px(self) -> int:
        return self.font_px(self.body_cap_mm * 1.6)

    @property
    def staff_px(self) -> int:
        """Staff-only detail (reader names, error details): not for villagers."""
        return self.font_px(4.2)

    @property
    def touch_px(self) -> int:
        return self.px(TOUCH_MM)

    @property
    def gap_px(self) -> int:
        return self.px(GAP_MM)

    def colour_pairs(self) -> list[tuple[str, str, str]]:
        """(name, foreground, background) for every pair the stylesheet draws."""
        p = self.palette
        pairs = [("text", p.text, p.background), ("muted_text", p.muted_text, p.background)]
        for field in fields(Palette):
            if field.name.startswith("on_"):
                base = field.name.removeprefix("on_")
                pairs.append((field.name, getattr(p, field.name), getattr(p, base)))
        pairs.append(
            ("danger_text", p.danger if not self.high_contrast else p.on_danger, p.background)
        )
        pairs.append(
            ("success_text", p.success if not self.high_contrast else p.on_success, p.background)
        )
        return pairs

    def stylesheet(self) -> str:
        p = self.palette
        problem = p.danger if not self.high_contrast else p.on_danger
        success = p.success if not self.high_contrast else p.on_success
        # Noto Sans CJK: cap height 0.733 em, line spacing 1.45 (>= 1.3), measured in tests.
        families = ", ".join(f'"{f}"' if " " in f else f for f in FONT_FAMILIES)
        # Only the window paints the background. The containers over it (the stack, the
        # scrolling page's three layers) and the labels would each paint the same colour
        # again under every repaint. "none", not "transparent": a transparent background
        # is still painted. A step screen's repaint 2.07 -> 1.44 ms, a key's 135 -> 110 us.
        return f"""
        QWidget {{ background: {p.background}; color: {p.text};
                   font-family: {families}; font-size: {self.body_px}px; }}
        #kioskCentral, QStackedWidget, QScrollArea, QScrollArea > QWidget, #scrollingPageContent {{
            background: none; }}
        QLabel {{ qproperty-margin: 0; background: none; }}
        QLabel[textStyle="title"] {{ font-size: {self.title_px}px; font-weight: bold; }}
        QLabel[textStyle="huge"] {{ font-size: {self.huge_px}px; font-weight: bold; }}
        QLabel[textStyle="muted"] {{ color: {p.muted_text}; }}
        QLabel[textStyle="staff"] {{ font-size: {self.staff_px}px; color: {p.muted_text}; }}
        QLabel[textStyle="banner"] {{ background: {p.banner}; color: {p.on_banner};
                         padding: {self.px(3)}px; font-weight: bold; }}
        QLabel[textStyle="problem"] {{ color: {problem}; font-weight: bold; }}
        QLabel[textStyle="success"] {{ color: {success}; font-weight: bold; }}
        QLabel[textStyle="valid"] {{ background: {p.success}; color: {p.on_success};
                         font-size: {self.huge_px * 2}px; font-weight: bold; }}
        QLabel[textStyle="invalid"] {{ background: {p.danger}; color: {p.on_danger};
                         font-size: {self.huge_px * 2}px; font-weight: bold; }}
        QPushButton {{ background: {p.secondary}; color: {p.on_secondary};
                       border: 3px solid {p.on_secondary}; border-radius: {self.px(2)}px;
                       min-height: {self.touch_px}px; min-width: {self.touch_px}px;
                       padding: {self.px(1)}px {self.px(2)}px; }}
        QPushButton[role="primary"] {{ background: {p.primary}; color: {p.on_primary};
                                       border-color: {p.on_primary}; font-weight: bold; }}
        QPushButton[role="danger"] {{ background: {p.danger}; color: {p.on_danger};
                                      border-color: {p.on_danger}; }}
        QPushButton:checked {{ background: {p.chip_checked}; color: {p.on_chip_checked};
                               border: 3px solid {p.on_chip_checked}; font-weight: bold; }}
        QPushButton:disabled {{ background: {p.disabled}; color: {p.on_disabled};
                                border: 3px dashed {p.on_disabled}; }}
        QFrame#navBar {{ border-top: 3px solid {p.on_secondary}; }}
        QFrame#navBar[beside="true"] {{ border-top: none;
                                        border-left: 3px solid {p.on_secondary}; }}
        QScrollBar:vertical {{ width: {self.touch_px}px; background: {p.secondary}; }}
        QScrollBar::handle:vertical {{ background: {p.on_secondary};
                                       min-height: {self.touch_px}px; }}
        QFrame#demoPanel {{ border-top: 2px dashed {p.muted_text}; }}
        QFrame#demoPanel QPushButton {{ font-size: {self.staff_px}px; min-height: 0; }}
        QFrame#demoPanel QLabel {{ font-size: {self.staff_px}px; }}
        """
