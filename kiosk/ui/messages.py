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

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong. Please try again, or ask your supervisor."


class Level(enum.StrEnum):
    """How a message looks: information, a success, or a problem."""

    INFO = "info"
    SUCCESS = "success"
    PROBLEM = "problem"


def sentence(text: str) -> str:
    """A message as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def explain(error: BaseException) -> str:
    """The sentence a person sees for `error` (bugs are logged with their traceback, never shown)."""
    if isinstance(error, RuleViolation):
        return sentence(error.message)
    if isinstance(error, EnvironmentProblem):
        return sentence(str(error))
    log.error("unexpected error", exc_info=error)
    return UNEXPECTED


class Messenger(QObject):
    """Carries messages for people to the message bar of the window."""

    shown = Signal(str, str)  # text, Level value

    def tell(self, text: str, level: Level = Level.INFO) -> None:
        """Show `text` to the person at the kiosk."""
        log.info("message (%s): %s", level.value, text)
        self.shown.emit(sentence(text), level.value)

    def report(self, error: BaseException) -> None:
        """Show what went wrong, in words for people."""
        self.tell(explain(error), Level.PROBLEM)
