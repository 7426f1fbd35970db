"""Sizes and colours for a touch screen read from a metre away.

Sizes are set in millimetres of the real screen (its physical DPI), so a button is at least 15 mm tall on a 10-inch
1280x800 panel and on a 22-inch 1920x1080 one alike; text grows with the window height so it stays readable from a
metre. The style sheet is a template in resources/styles/kiosk.qss with @name@ placeholders filled from `Metrics`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QScreen

MIN_BUTTON_MM = 15.0
# Screens that report no usable physical size (virtual or offscreen ones) are taken as a common 96 DPI desktop.
FALLBACK_DPI = 96.0
MM_PER_INCH = 25.4

# High-contrast palette: light text on a near-black ground, one strong colour per meaning.
COLOURS = {
    "ground": "#0b1220",
    "panel": "#16213a",
    "text": "#f5f7fa",
    "muted": "#b8c4d6",
    "accent": "#2f80ed",
    "go": "#1e9e53",
    "stop": "#d64545",
    "pause": "#d98c1a",
    "border": "#4a5a78",
}


def resources_dir() -> Path:
    """The resources/ folder, unfrozen (beside kiosk/) or inside a PyInstaller bundle (sys._MEIPASS)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@dataclass(frozen=True, slots=True)
class Metrics:
    """Pixel sizes derived from the screen's DPI and the window's height."""

    px_per_mm: float
    height: int

    @classmethod
    def for_screen(cls, screen: QScreen | None, height: int) -> Metrics:
        dpi = screen.physicalDotsPerInch() if screen is not None else 0.0
        if not 50.0 <= dpi <= 600.0:
            dpi = FALLBACK_DPI
        return cls(px_per_mm=dpi / MM_PER_INCH, height=max(height, 600))

    def mm(self, millimetres: float) -> int:
        return round(millimetres * self.px_per_mm)

    @property
    def button_height(self) -> int:
        """At least 15 mm, and at least a thirteenth of the screen height on large screens."""
        return max(self.mm(MIN_BUTTON_MM), self.height // 13)

    @property
    def body_px(self) -> int:
        return max(20, self.height // 36)

    @property
    def title_px(self) -> int:
        return max(34, self.height // 18)

    @property
    def huge_px(self) -> int:
        return max(56, self.height // 9)

    @property
    def small_px(self) -> int:
        return max(16, self.height // 48)


def style_sheet(metrics: Metrics) -> str:
    """The application's style sheet for these metrics."""
    template = (resources_dir() / "styles" / "kiosk.qss").read_text(encoding="utf-8")
    values = {
        **COLOURS,
        "body": f"{metrics.body_px}px",
        "title": f"{metrics.title_px}px",
        "huge": f"{metrics.huge_px}px",
        "small": f"{metrics.small_px}px",
        "button": f"{metrics.button_height}px",
        "radius": f"{metrics.mm(2)}px",
        "pad": f"{metrics.mm(3)}px",
    }
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    return template
