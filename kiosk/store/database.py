"""Opening the local database: pragmas that make a committed punch survive a power cut, migrations, one writer.

A punch is acknowledged only after its transaction committed, so the commit must be durable: WAL journal with
`synchronous=FULL` (fsync of the WAL at every commit). Both are set explicitly on every connection and read back at
start; a filesystem that cannot do WAL (some network shares) is refused with a clear message rather than run unsafe.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.errors import EnvironmentProblem
from kiosk.store import kept_state
from kiosk.store.schema import Company, KeptSession, PunchRow

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000


def _set_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class NewerDatabase(EnvironmentProblem):
    """The database's schema is newer than this version of the kiosk knows."""


def backup_database(path: Path, target: Path) -> Path:
    """Copy the database at `path` to `target` with SQLite's online backup (consistent while others use it)."""
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        destination.close()
    finally:
        source.close()
    log.info("backed up %s to %s", path, target)
    return target


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def stored_revision(path: Path) -> str | None:
    """The schema revision recorded in the database at `path` (None before the first migration)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return None if row is None else str(row[0])


class Database:
    """The local SQLite database. `read()` gives a session for queries; `write()` a transaction, one at a time.

    SQLite allows one writer; the lock makes that explicit inside the process, so two threads never race for the
    write lock and a punch never waits on `database is locked`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise EnvironmentProblem(f"cannot create the data folder {path.parent}: {error.strerror}") from error
        self.engine: Engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(self.engine, "connect", _set_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The kept sessions follow the facts in the same transaction, whoever adds them.
        event.listen(self._sessions, "before_commit", kept_state.apply)
        self._write_lock = threading.Lock()
        self._check_durability()
        self._migrate()

    def _check_durability(self) -> None:
        try:
            with self.engine.connect() as connection:
                journal = connection.execute(text("PRAGMA journal_mode")).scalar_one()
                synchronous = connection.execute(text("PRAGMA synchronous")).scalar_one()
        except Exception as error:
            raise EnvironmentProblem(f"cannot open the local database {self.path}: {error}") from error
        # PRAGMA synchronous reads back as a number: 2 is FULL.
        if str(journal).lower() != "wal" or int(synchronous) != 2:
            raise EnvironmentProblem(
                f"the local database {self.path} runs with journal_mode={journal}, synchronous={synchronous}; "
                "punches would not survive a power cut. Put the data folder on a local disk "
                "(--data-dir or TIMECLOCK_DATA_DIR)."
            )

    def _migrate(self) -> None:
        config = alembic_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        if current is not None and current not in known_revisions():
            # A newer version of the kiosk migrated this database (and was then rolled back): opening it with older
            # code could lose what the newer schema holds. The updater restores the backup made before the switch.
            raise NewerDatabase(
                f"the local database {self.path} was migrated by a newer version of the kiosk (schema {current}; this "
                f"version knows up to {head}); it is not opened. The backup made before that version started is in "
                f"{self.path.parent / 'updates' / 'backups'}"
            )
        if current is not None:
            self._backup(f"before-{head}")
        log.info("migrating %s from %s to %s", self.path, current, head)
        with self.engine.connect() as connection:
            # SQLite alters a table by copying it and dropping the old one, which foreign keys would refuse while
            # other tables point at it; they are switched off for the migration (possible only outside a
            # transaction) and checked as a whole before the migration commits.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise EnvironmentProblem(f"migrating {self.path} broke {len(broken)} references; not applied")
            finally:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
        self._keep_state_from_history()

    def _keep_state_from_history(self) -> None:
        """A database migrated from before kept sessions existed derives them once, from all its facts."""
        with self.write() as session:
            if session.scalar(select(KeptSession.clock_in_punch_id).limit(1)) is not None:
                return
            if session.scalar(select(PunchRow.id).limit(1)) is None:
                return
            for company_id in session.scalars(select(Company.id).order_by(Company.id)):
                derived = kept_state.rebuild(session, company_id)
                log.info("derived the kept sessions of %d employees of %s", derived, company_id)

    def _backup(self, label: str) -> Path:
        """Copy the database aside with SQLite's online backup, so a failed migration loses nothing."""
        return backup_database(self.path, self.path.with_name(f"{self.path.name}.{label}.bak"))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends normally (durably, see module docstring)."""
        with self._write_lock, self._sessions.begin() as session:
            yield session

    def integrity_check(self) -> str:
        with self.engine.connect() as connection:
            return str(connection.execute(text("PRAGMA integrity_check")).scalar_one())

    def close(self) -> None:
        self.engine.dispose()
