"""What a kiosk tells head office about itself at the end of each sync: the console's fleet page reads it.

One call of the central function `report_kiosk_status` (migration 0009), which keeps one row per kiosk; the kiosk
writes nothing else it could not insert as a fact.
"""

from __future__ import annotations

import importlib.metadata
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

DISTRIBUTION = "timeclock-kiosk"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def app_version() -> str:
    """The running kiosk's version: its installed distribution's, else the checkout's pyproject, else "unknown"."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        project = tomllib.loads(PYPROJECT.read_text())["project"]
        return str(project["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


@dataclass(frozen=True, slots=True)
class KioskStatus:
    """One status report."""

    app_version: str
    clock_offset_seconds: float | None  # server time minus the PC's clock
    punches_waiting: int
    last_error: str | None
    camera_status: str | None


UNDEFINED_FUNCTION = "42883"


def report_status(connection: Connection, status: KioskStatus) -> None:
    """Send the report in its own short transaction on `connection`.

    A head office that has not been upgraded yet has no `report_kiosk_status`: the kiosk then syncs as before and
    says so in its log, since a status report must never stop punches from going up.
    """
    try:
        _send(connection, status)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != UNDEFINED_FUNCTION:
            raise
        log.warning("head office does not take kiosk status reports yet (its schema is older than this kiosk)")


def _send(connection: Connection, status: KioskStatus) -> None:
    with connection.begin():
        connection.execute(
            text("SELECT report_kiosk_status(:version, :offset, :waiting, :error, :camera)"),
            {
                "version": status.app_version,
                "offset": status.clock_offset_seconds,
                "waiting": status.punches_waiting,
                "error": status.last_error,
                "camera": status.camera_status,
            },
        )
