"""How the screens look under a finger: messages move nothing, problems look like problems, colours are readable."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import IdentifiedBy
from kiosk.ui.kiosk import Identity
from kiosk.ui.messages import Level
from kiosk.ui.theme import (
    AA_LARGE,
    AA_NORMAL,
    COLOURS,
    TEXT_PAIRS,
    TextPair,
    contrast_ratio,
    relative_luminance,
    resources_dir,
)
from kiosk.ui.widgets import button
from tests.ui.conftest import Launcher, RunningKiosk, showing


def button_places(screen: QWidget) -> dict[str, QRect]:
    """Where each visible button of `screen` sits in the window."""
    window = screen.window()
    return {
        f"{index}:{widget.text()}": QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        for index, widget in enumerate(screen.findChildren(QPushButton))
        if widget.isVisible()
    }


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_a_message_moves_nothing_on_the_screen(qtbot: QtBot, launch: Launcher, size: tuple[int, int]) -> None:
    running = launch()
    kiosk = running.kiosk
    kiosk.window.resize(*size)
    kiosk.window.apply_style(size[1])
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    kiosk.identified(Identity("E1", IdentifiedBy.PIN))
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet) and bool(kiosk.greet.action_buttons))
    QApplication.processEvents()
    before = button_places(kiosk.greet)
    stack_before = kiosk.window.stack.geometry()
    assert before
    kiosk.messenger.tell(
        "A sentence long enough to need most of the width of the window, as some messages do", Level.INFO
    )
    QApplication.processEvents()
    assert kiosk.window.message_bar.text
    assert button_places(kiosk.greet) == before
    assert kiosk.window.stack.geometry() == stack_before
    kiosk.messenger.report(RuleViolation("not_clocked_in", "you are not clocked in; clock in first"))
    QApplication.processEvents()
    assert button_places(kiosk.greet) == before
    kiosk.window.message_bar.clear()
    QApplication.processEvents()
    assert button_places(kiosk.greet) == before
    assert kiosk.window.stack.geometry() == stack_before


def pixel(image: QImage, x: int, y: int) -> str:
    return QColor(image.pixel(x, y)).name()


def test_a_problem_is_plainly_a_problem(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    bar = kiosk.window.message_bar
    kiosk.messenger.tell("Settings saved", Level.SUCCESS)
    QApplication.processEvents()
    success_text_px = bar._text.font().pixelSize()
    kiosk.messenger.report(RuleViolation("not_clocked_in", "you are not clocked in; clock in first"))
    QApplication.processEvents()
    assert bar.text == "You are not clocked in; clock in first."
    assert bar.level == Level.PROBLEM
    image = bar.grab().toImage()
    assert pixel(image, 4, image.height() // 2) == COLOURS["stop"]  # the problem colour, end to end
    assert bar.icon.isVisible() and bar.icon.level == "problem"
    # The sign is drawn in white on the red: a painted triangle, not an empty square.
    sign = bar.icon.grab().toImage()
    light = sum(
        1 for x in range(sign.width()) for y in range(sign.height()) if relative_luminance(pixel(sign, x, y)) > 0.5
    )
    assert light > sign.width()  # more than a dot's worth of white
    text_px = bar._text.font().pixelSize()
    assert text_px == kiosk.window.metrics.message_px > kiosk.window.metrics.body_px
    assert text_px == success_text_px
    assert bar._text.font().bold()


def test_a_wrong_pin_is_shown_as_a_problem_and_in_correct_english(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    admin = kiosk.admin
    admin.ask_pin()
    admin.pin.keypad.type_digits("999999")
    admin.pin.keypad.press("OK")
    qtbot.waitUntil(lambda: admin.pin.problem.text != "")
    assert admin.pin.problem.level == Level.PROBLEM
    assert admin.pin.problem.text == "Wrong PIN. 4 more tries before the PIN entry locks."
    image = admin.pin.problem.grab().toImage()
    assert pixel(image, 4, image.height() // 2) == COLOURS["stop"]
    for _ in range(3):
        admin.pin.keypad.type_digits("999999")
        admin.pin.keypad.press("OK")
        qtbot.waitUntil(lambda: admin.pin.keypad.buttons["OK"].isEnabled() or admin.locked)
    assert admin.pin.problem.text == "Wrong PIN. 1 more try before the PIN entry locks."


@pytest.mark.parametrize("pair", TEXT_PAIRS, ids=lambda pair: f"{pair.text}-on-{pair.background}")
def test_every_text_colour_of_the_theme_is_readable_on_its_background(pair: TextPair) -> None:
    text, background = COLOURS[pair.text], COLOURS[pair.background]
    needed = AA_LARGE if pair.large else AA_NORMAL
    ratio = contrast_ratio(text, background)
    assert ratio >= needed, f"{pair.where}: {text} on {background} is {ratio:.2f}:1, AA needs {needed}:1"


def test_every_colour_the_style_sheet_puts_on_a_button_or_message_is_in_a_checked_pair() -> None:
    """A colour added to the style sheet without its pair in the theme would escape the contrast check."""
    sheet = (resources_dir() / "styles" / "kiosk.qss").read_text(encoding="utf-8")
    text_colours = set(re.findall(r"(?<![-\w])color:\s*@(\w+)@", sheet))
    backgrounds = set(re.findall(r"background:\s*@(\w+)@", sheet))
    decorative = {"border"}  # the pressed-button flash and scroll handles: no text is read on them
    assert text_colours <= {pair.text for pair in TEXT_PAIRS}
    assert backgrounds - decorative <= {pair.background for pair in TEXT_PAIRS}
    assert "pause" in text_colours  # the pattern does find the colours (the settings' caution uses amber text)


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#f5f7fa", "#d98c1a") == pytest.approx(2.54, abs=0.01)  # the old break orange


def text_and_ground(image: QImage) -> tuple[str, str]:
    """The background (the colour at the button's middle left) and the colour farthest from it in luminance."""
    ground = pixel(image, 12, image.height() // 2)
    base = relative_luminance(ground)
    farthest = max(
        (pixel(image, x, y) for x in range(12, image.width() - 12) for y in range(6, image.height() - 6)),
        key=lambda colour: abs(relative_luminance(colour) - base),
    )
    return farthest, ground


@pytest.mark.parametrize("tone", [None, "go", "stop", "pause", "accent", "quiet"])
def test_buttons_as_drawn_meet_the_contrast_and_disabled_ones_look_disabled(
    qtbot: QtBot, running: RunningKiosk, tone: str | None
) -> None:
    window = running.kiosk.window
    enabled, disabled = button("Start lunch break", tone), button("Start lunch break", tone)
    disabled.setEnabled(False)
    holder = QWidget()
    holder.setStyleSheet(window.styleSheet())
    holder.resize(600, 300)
    layout = QVBoxLayout(holder)
    layout.addWidget(enabled)
    layout.addWidget(disabled)
    qtbot.addWidget(holder)
    holder.show()
    qtbot.waitExposed(holder)
    text, ground = text_and_ground(enabled.grab().toImage())
    assert contrast_ratio(text, ground) >= AA_NORMAL, f"{tone}: {text} on {ground}"
    dim_text, dim_ground = text_and_ground(disabled.grab().toImage())
    assert dim_ground == COLOURS["ground"]  # no fill: it does not look like something to tap
    assert dim_text == COLOURS["disabled"]
    if tone not in (None, "quiet"):
        assert ground != dim_ground
    assert contrast_ratio(dim_text, dim_ground) >= AA_NORMAL  # still readable, as WCAG asks of all text
