"""The Qt application object and showing the window: the part of start-up that belongs to Qt."""

from __future__ import annotations

import sys

from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication

from kiosk.ui import refcount_guard
from kiosk.ui.problem import ProblemWindow
from kiosk.ui.window import KioskWindow

WINDOWED_SIZE = (1280, 800)


def application() -> QApplication:
    """The process's QApplication (made on first use; widgets need it before they are built)."""
    refcount_guard.guard()  # before Qt starts working: see the module
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    return QApplication(sys.argv[:1])


def show(window: KioskWindow | ProblemWindow, *, windowed: bool) -> None:
    """Full screen on the primary screen, or a 1280x800 window for development."""
    if windowed:
        window.resize(*WINDOWED_SIZE)
        window.apply_style(WINDOWED_SIZE[1])
        window.show()
        return
    # None when the platform has no screen at all (Qt's stubs do not say so).
    screen: QScreen | None = application().primaryScreen()
    if screen is None:
        window.apply_style(WINDOWED_SIZE[1])
        window.showFullScreen()
        return
    window.apply_style(screen.size().height())
    # Full screen is a request a window manager carries out; a kiosk started without one (straight on X, or under
    # a compositor that ignores the request) would keep the window's preferred size in a corner. The screen's own
    # geometry, set first and again whenever the screen changes, fills it either way.
    window.setGeometry(screen.geometry())
    screen.geometryChanged.connect(window.setGeometry)
    window.showFullScreen()
