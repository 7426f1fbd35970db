"""Opening this kiosk's database and its use cases from a data folder, for commands run beside the kiosk.

The app composes its parts itself (with the sync package's anchored clock); the commands (`timesheet` on the local
database, `selftest`) use this, and refuse to create a database where none is, so a mistyped `--data-dir` changes
nothing on disk.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.errors import RuleViolation
from kiosk.services.clock import TimeSource
from kiosk.services.timeclock import TimeClock
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from kiosk.store.location import database_path


def open_existing_database(data_dir: Path | str | None) -> Database:
    """The kiosk database in `data_dir` (the usual data folder when None), migrated to this version.

    Raises:
        RuleViolation: `no_database` when the folder holds no kiosk database.
    """
    path = database_path(data_dir)
    if not path.is_file():
        raise RuleViolation(
            "no_database",
            f"there is no kiosk database at {path}; start the kiosk once to set it up, or give the data folder "
            "with --data-dir (or TIMECLOCK_DATA_DIR)",
        )
    return Database(path)


def this_kiosks_time_clock(database: Database, time_source: TimeSource) -> TimeClock:
    """The punch use cases of the kiosk the database was set up for.

    Raises:
        RuleViolation: `not_set_up` when the first-start set-up never ran.
    """
    with database.read() as session:
        settings = load_device_settings(session)
    if settings.company_id is None or settings.site_id is None or settings.kiosk_id is None:
        raise RuleViolation(
            "not_set_up", f"the kiosk database {database.path} is not set up yet; start the kiosk once to set it up"
        )
    return TimeClock(
        database,
        company_id=settings.company_id,
        site_id=settings.site_id,
        kiosk_id=settings.kiosk_id,
        time_source=time_source,
    )
