"""Touch-first layout: every screen fits 1280x800 and 1920x1080, and every button is at least 15 mm tall."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.ui.language import Language
from kiosk.ui.theme import MIN_BUTTON_MM
from tests.ui.conftest import Launcher


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_every_screen_fits_and_its_buttons_are_large(
    qtbot: QtBot, launch: Launcher, size: tuple[int, int], language: Language
) -> None:
    running = launch()
    window = running.kiosk.window
    window.resize(*size)
    window.apply_style(size[1])
    qtbot.waitUntil(lambda: window.current is running.kiosk.idle)
    running.kiosk.use_language(language)  # Filipino sentences are often longer than English ones
    assert running.kiosk.idle.supervisor_button.isVisible()
    smallest = window.metrics.mm(MIN_BUTTON_MM)
    checked = 0
    for index in range(window.stack.count()):
        window.stack.setCurrentIndex(index)
        QApplication.processEvents()
        screen = window.stack.widget(index)
        assert screen is not None
        assert window.height() == size[1], f"{type(screen).__name__} needs more height than the screen has"
        for widget in screen.findChildren(QPushButton):
            if widget.isVisible():
                assert widget.height() >= smallest, (
                    f"{type(screen).__name__}: {widget.text()!r} is {widget.height()} px"
                )
                checked += 1
    assert checked > 40
