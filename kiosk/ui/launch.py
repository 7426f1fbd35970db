"""The Qt application object and showing the window: the part of start-up that belongs to Qt."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from kiosk.ui import refcount_guard
from kiosk.ui.window import KioskWindow

WINDOWED_SIZE = (1280, 800)


def application() -> QApplication:
    """The process's QApplication (made on first use; widgets need it before they are built)."""
    refcount_guard.guard()  # before Qt starts working: see the module
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    return QApplication(sys.argv[:1])


def show(window: KioskWindow, *, windowed: bool) -> None:
    """Full screen on the primary screen, or a 1280x800 window for development."""
    if windowed:
        window.resize(*WINDOWED_SIZE)
        window.apply_style(WINDOWED_SIZE[1])
        window.show()
        return
    screen = application().primaryScreen()
    window.apply_style(screen.size().height() if screen is not None else WINDOWED_SIZE[1])
    if screen is not None:
        # Full screen is a request to the window manager; an X server with none (a bare X session on a kiosk PC)
        # ignores it, so the window is also given the whole screen itself.
        window.setGeometry(screen.geometry())
    window.showFullScreen()
