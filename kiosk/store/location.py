"""Where the kiosk keeps its data: one rule, used by every command and by the app."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "timeclock-kiosk"
DATA_DIR_VARIABLE = "TIMECLOCK_DATA_DIR"
DATABASE_FILE = "kiosk.db"


def data_dir(setting: Path | str | None = None) -> Path:
    """The data folder: the `setting` given (a command-line option) wins, then the environment variable
    TIMECLOCK_DATA_DIR, then the platform's per-user data folder (platformdirs)."""
    if setting:
        return Path(setting).expanduser().resolve()
    from_environment = os.environ.get(DATA_DIR_VARIABLE)
    if from_environment:
        return Path(from_environment).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_path(setting: Path | str | None = None) -> Path:
    return data_dir(setting) / DATABASE_FILE
