"""Where the kiosk keeps its data: one rule, used by every command and by the app."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "timeclock-kiosk"
DATA_DIR_VARIABLE = "TIMECLOCK_DATA_DIR"
DATABASE_FILE = "kiosk.db"
LOGS_FOLDER = "logs"


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


def write_problem(folder: Path) -> str | None:
    """Why the kiosk could not keep its data in `folder`, in words for IT; None when it can.

    A folder not made yet is judged by the nearest folder above it that exists (the kiosk would create it there).
    Writing is tried for real, with a file made and removed at once: permissions alone do not tell (a read-only
    mount, an immutable folder, a full disk, or root, whom file modes do not stop). The database and the log file, when
    they exist, are opened for appending, which changes nothing in them.
    """
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".timeclock-write-check-")
    except OSError as error:
        return f"nothing can be written in {existing} ({error.strerror or error})"
    os.close(handle)
    os.unlink(probe)
    for path in (folder / DATABASE_FILE, folder / LOGS_FOLDER / "kiosk.log"):
        if not path.exists():
            continue
        try:
            with path.open("ab"):
                pass
        except OSError as error:
            return f"{path} cannot be written ({error.strerror or error})"
    return None
