"""The one way a message reaches a person at the kiosk.

Services raise `RuleViolation` (its message is written for people) and `EnvironmentProblem` (something outside the
program failed); anything else is a bug. `Messenger.tell` shows a sentence on the message bar; `Messenger.report`
turns an exception into one, logging bugs with their traceback and showing a calm sentence instead.
"""

from __future__ import annotations

import enum
import logging

from PySide6.QtCore import QObject, Signal

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.ui.language import Later, Shown, translate
from kiosk.ui.problems import environment_text, rule_text, sentence

__all__ = ["UNEXPECTED", "Level", "Messenger", "explain", "sentence"]

log = logging.getLogger(__name__)

UNEXPECTED = translate("Problems", "Something went wrong. Please try again, or ask your supervisor.")


class Level(enum.StrEnum):
    """How a message looks: information, a success, or a problem."""

    INFO = "info"
    SUCCESS = "success"
    PROBLEM = "problem"


def explain(error: BaseException) -> Shown:
    """The sentence a person sees for `error` (bugs are logged with their traceback, never shown)."""
    if isinstance(error, RuleViolation):
        return rule_text(error)
    if isinstance(error, EnvironmentProblem):
        return environment_text(error)
    log.error("unexpected error", exc_info=error)
    return UNEXPECTED


class Messenger(QObject):
    """Carries messages for people to the message bar of the window."""

    shown = Signal(object, str)  # text (str, Text or Later), Level value

    def tell(self, text: Shown, level: Level = Level.INFO) -> None:
        """Show `text` to the person at the kiosk (in their language, also after they change it)."""
        log.info("message (%s): %s", level.value, text)
        self.shown.emit(Later(lambda: sentence(str(text))), level.value)

    def report(self, error: BaseException) -> None:
        """Show what went wrong, in words for people."""
        self.tell(explain(error), Level.PROBLEM)
