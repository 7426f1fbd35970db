"""The local database on a real SQLite file: durability pragmas, migrations, append-only facts."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

from kiosk.domain.errors import EnvironmentProblem
from kiosk.domain.punches import IdentifiedBy, Punch, PunchKind
from kiosk.store import repository
from kiosk.store.database import Database, NewerDatabase, alembic_config, stored_revision
from kiosk.store.repository import CompanyRecord
from kiosk.store.schema import Base, SyncState
from tests.support import make_world

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path / "kiosk.db")
    yield db
    db.close()


def add_company_and_punch(db: Database) -> Punch:
    punch = Punch(id=uuid.uuid4(), employee_id="E1", kind=PunchKind.CLOCK_IN, occurred_at=NOW)
    with db.write() as session:
        repository.put_company(session, CompanyRecord("C1", "Acme", False, False, timedelta(hours=16), True), NOW)
        repository.add_punch(session, punch, company_id="C1", site_id=None, recorded_at=NOW)
    return punch


def test_every_connection_runs_wal_with_full_sync(database: Database) -> None:
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_migrations_build_exactly_the_tables_the_code_uses(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_reopening_a_current_database_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    Database(path).close()
    before = path.read_bytes()
    Database(path).close()
    assert not list(tmp_path.glob("*.bak"))
    assert path.read_bytes() == before


def test_an_older_database_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    config = alembic_config()
    first = next(
        script.revision for script in ScriptDirectory.from_config(config).walk_revisions() if not script.down_revision
    )
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # the file an earlier version left
        config.attributes["connection"] = connection
        command.upgrade(config, first)
    engine.dispose()
    Database(path).close()
    backups = list(tmp_path.glob("kiosk.db.before-*.bak"))
    assert len(backups) == 1
    assert stored_revision(backups[0]) == first
    assert stored_revision(path) == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_of_an_unknown_revision_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    Database(path).close()
    with sqlite3.connect(path) as connection:  # pretend a newer version migrated it
        connection.execute("UPDATE alembic_version SET version_num = 'newer'")
    before = path.read_bytes()
    with pytest.raises(NewerDatabase, match="migrated by a newer version of the kiosk"):
        Database(path)  # an unknown revision is refused, not guessed at
    assert stored_revision(path) == "newer"
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("kiosk.db.before-*.bak"))


def test_punch_facts_cannot_be_changed_or_deleted(database: Database) -> None:
    punch = add_company_and_punch(database)
    with pytest.raises(DatabaseError, match="immutable"), database.write() as session:
        session.execute(
            text("UPDATE punches SET occurred_at = '2020-01-01 00:00:00' WHERE id = :id"), {"id": str(punch.id)}
        )
    with pytest.raises(DatabaseError, match="never deleted"), database.write() as session:
        session.execute(text("DELETE FROM punches"))
    with database.read() as session:
        assert repository.get_punch(session, punch.id) == punch


def test_sync_bookkeeping_of_a_punch_may_change(database: Database) -> None:
    punch = add_company_and_punch(database)
    with database.write() as session:
        assert repository.mark_punches(session, [punch.id], SyncState.SENT, NOW, None) == 1
    with database.read() as session:
        assert repository.count_punches_by_state(session) == {SyncState.SENT: 1}


def test_audit_log_is_append_only(database: Database) -> None:
    with database.write() as session:
        repository.audit(session, at=NOW, actor="admin", action="test.entry", subject=None, value=1)
    with pytest.raises(DatabaseError, match="append-only"), database.write() as session:
        session.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(DatabaseError, match="append-only"), database.write() as session:
        session.execute(text("DELETE FROM audit_log"))
    with database.read() as session:
        assert [entry.actor for entry in repository.audit_entries(session)] == ["admin"]


def test_a_failed_transaction_leaves_nothing_behind(database: Database) -> None:
    add_company_and_punch(database)
    extra = Punch(
        id=uuid.uuid4(), employee_id="E1", kind=PunchKind.CLOCK_OUT, occurred_at=NOW, identified_by=IdentifiedBy.PIN
    )

    def write_then_fail() -> None:
        with database.write() as session:
            repository.add_punch(session, extra, company_id="C1", site_id=None, recorded_at=NOW)
            session.flush()
            raise RuntimeError("power cut before commit")

    with pytest.raises(RuntimeError):
        write_then_fail()
    with database.read() as session:
        assert repository.get_punch(session, extra.id) is None


def test_a_data_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(EnvironmentProblem, match="cannot create the data folder"):
        Database(blocker / "sub" / "kiosk.db")


def test_a_database_full_of_data_is_migrated_from_the_first_revision(tmp_path: Path) -> None:
    """Every migration after the first must carry real rows along (SQLite rebuilds tables to alter them)."""
    path = tmp_path / "kiosk.db"
    world = make_world(path)
    punch = world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.FACE).punch
    world.close()
    engine = create_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        command.downgrade(config, "0001")
    engine.dispose()

    reopened = Database(path)
    try:
        with reopened.read() as session:
            assert punch is not None
            assert repository.get_punch(session, punch.id) == punch
            employee = repository.get_employee(session, "E1")
        assert employee is not None and employee.department == "ENGINEER SA SITE"
        assert employee.number == "E1", "an employee kept from before employee numbers is found by their old id"
        assert reopened.integrity_check() == "ok"
        assert list(tmp_path.glob("kiosk.db.before-*.bak"))
    finally:
        reopened.close()
