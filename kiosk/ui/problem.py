"""The window the kiosk shows instead of itself when it cannot start safely, such as a data folder it cannot write in.

It says what is wrong and what to do, looks again by itself every few seconds and on "Try again", and closes once
the problem is gone, so the kiosk starts without anyone restarting it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.ui.language import set_window_title, translate
from kiosk.ui.theme import Metrics, style_sheet
from kiosk.ui.widgets import button, label

log = logging.getLogger(__name__)

RECHECK_MS = 10_000


class ProblemWindow(QWidget):
    """What stops the kiosk from starting, and what to do about it.

    Args:
        title: the headline.
        advice: what to do, in words for the supervisor or IT.
        check: the problem as a sentence, or None once it is solved; called again on "Try again" and every
            `RECHECK_MS`.
    """

    solved = Signal()

    def __init__(self, title: str, advice: str, check: Callable[[], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The title and the advice come in English: the kiosk's language is a setting kept in the very data
        # folder this window is about, so it cannot be known here.
        set_window_title(self, translate("KioskWindow", "Time clock"))
        self.is_solved = False
        self._check = check
        self.title = label(title, "huge")
        self.problem = label("", "title")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = label(advice)
        self.retry = button(translate("NoticeScreen", "Try again"), "accent", self.try_again)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        layout.addWidget(self.title)
        layout.addWidget(self.problem)
        layout.addWidget(self.advice)
        layout.addStretch(1)
        layout.addWidget(self.retry)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.try_again)
        self._timer.start(RECHECK_MS)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)

    def try_again(self) -> None:
        """Look again: close when the problem is gone, else show it as it is now."""
        problem = self._check()
        if problem is not None:
            self.show_problem(problem)
            return
        log.info("the problem that kept the kiosk from starting is solved; starting")
        self.is_solved = True
        self._timer.stop()
        self.solved.emit()
        self.close()

    def apply_style(self, height: int) -> None:
        """The kiosk's own look, sized for the screen (the same call as the kiosk window's)."""
        self.setStyleSheet(style_sheet(Metrics.for_screen(self.screen(), height)))
