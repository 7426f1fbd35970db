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

# High-contrast palette: light text on a near-black ground, one strong colour per meaning. The strong colours are
# dark enough for white text to reach WCAG AA (4.5:1) on them; the amber of breaks is too light for that at any
# recognisable shade, so break buttons carry dark text (`on_pause`).
COLOURS = {
    "ground": "#0b1220",
    "panel": "#16213a",
    "text": "#f5f7fa",
    "muted": "#b8c4d6",
    "disabled": "#8a96a8",
    "accent": "#1a64c8",
    "go": "#157a3c",
    "stop": "#c53030",
    "pause": "#f2a33a",
    "on_pause": "#0b1220",
    "border": "#4a5a78",
}

# WCAG 2.x: body text needs 4.5:1 against its background, large text (24 px, or 18.7 px bold) 3:1.
AA_NORMAL = 4.5
AA_LARGE = 3.0


@dataclass(frozen=True, slots=True)
class TextPair:
    """A text colour the style sheet puts on a background colour (both names in `COLOURS`)."""

    text: str
    background: str
    large: bool
    where: str


# Every text-on-background combination that resources/styles/kiosk.qss and the painted widgets use. Button and
# message text is at the body size (20 px and up, semi-bold), which WCAG does not count as large.
TEXT_PAIRS = (
    TextPair("text", "ground", False, "labels on the screen"),
    TextPair("muted", "ground", False, "secondary labels, quiet buttons"),
    TextPair("text", "panel", False, "buttons, fields, lists"),
    TextPair("muted", "panel", False, "secondary text in panels"),
    TextPair("disabled", "ground", False, "disabled buttons"),
    TextPair("text", "accent", False, "accent buttons, chosen options, information messages"),
    TextPair("text", "go", False, "clock-in buttons, success messages"),
    TextPair("text", "stop", False, "clock-out buttons, error messages"),
    TextPair("on_pause", "pause", False, "break buttons, the supervisor's banner"),
    TextPair("pause", "ground", False, "cautions on the settings screen"),
)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""
    digits = colour.lstrip("#")
    if len(digits) != 6:
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    channels = [int(digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


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

    @property
    def message_height(self) -> int:
        """The strip kept for messages at the bottom of the window: two lines of message text."""
        return max(self.mm(17), self.height // 11)

    @property
    def message_px(self) -> int:
        """Message text: between body and title size, so a problem is seen from a metre away."""
        return max(22, self.height // 30)


def style_sheet(metrics: Metrics) -> str:
    """The application's style sheet for these metrics."""
    template = (resources_dir() / "styles" / "kiosk.qss").read_text(encoding="utf-8")
    values = {
        **COLOURS,
        "body": f"{metrics.body_px}px",
        "title": f"{metrics.title_px}px",
        "huge": f"{metrics.huge_px}px",
        "small": f"{metrics.small_px}px",
        "message": f"{metrics.message_px}px",
        "message_height": f"{metrics.message_height}px",
        "button": f"{metrics.button_height}px",
        "radius": f"{metrics.mm(2)}px",
        "pad": f"{metrics.mm(3)}px",
    }
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    return template
