"""The one root of the kiosk's exceptions.

Two families hang below it: errors of the environment (camera missing, database locked, network down), which the UI
shows calmly and recovers from, and rule violations (a bad input), which carry a message meant for a person. Anything
else is a bug and is logged with its traceback.
"""

from __future__ import annotations


class TimeclockError(Exception):
    """Root of every error the kiosk raises on purpose."""


class EnvironmentProblem(TimeclockError):
    """Something outside the program is missing or failing: a device, a file, a server, a keyring."""


class RuleViolation(TimeclockError):
    """An input breaks a rule; nothing was changed. `code` is stable for tests and logs, the message is for people.

    `details` are the values the message names (a count, a limit), so that a screen can say the same in another
    language from the code.
    """

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
