"""Helpers shared by tests: a controllable clock and a small company on a real database file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import ClockFacts
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.timeclock import TimeClock
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import DeviceSettings, save_device_settings
from kiosk.store.repository import CompanyRecord, EmployeeRecord, SiteRecord


@dataclass
class ManualTimeSource:
    """A clock the test sets and moves; it reports itself as anchored server time."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 13, 0, tzinfo=UTC))

    def clock_facts(self) -> ClockFacts:
        return ClockFacts(pc_time=self.now, anchored_time=self.now)

    def set(self, value: datetime) -> None:
        self.now = value.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class KioskWorld:
    database: Database
    time: ManualTimeSource
    clock: TimeClock
    missed: MissedClockouts

    def close(self) -> None:
        self.database.close()


def make_world(
    path: Path, *, timezone: str = "Asia/Manila", missed_clockout_enabled: bool = True, identity: bool = True
) -> KioskWorld:
    """Company C1 with site S1 in `timezone`, an undertime department and three employees; with `identity`, the
    device settings name kiosk K1 of C1 at S1."""
    database = Database(path)
    time_source = ManualTimeSource()
    now = time_source.now
    with database.write() as session:
        repository.put_company(
            session,
            CompanyRecord("C1", "Giovanni Construction", missed_clockout_enabled, False, timedelta(hours=16), True),
            now,
        )
        repository.put_site(session, SiteRecord("S1", "C1", "North yard", timezone), now)
        repository.put_department(session, "C1", DepartmentRules(name="ENGINEER SA SITE", undertime=True), now)
        repository.put_department(session, "C1", DepartmentRules(name="Office"), now)
        for employee_id, first, last, department in (
            ("E1", "Maria", "Santos", "ENGINEER SA SITE"),
            ("E2", "Jose", "Reyes", "Office"),
            ("E3", "Ana", "Cruz", None),
        ):
            repository.put_employee(
                session,
                EmployeeRecord(employee_id, "C1", first, last, department, Decimal(800), True, None, employee_id),
                now,
            )
        if identity:  # no supervisor PIN: set-up itself is not what these tests test
            save_device_settings(session, DeviceSettings(company_id="C1", site_id="S1", kiosk_id="K1"), now)
    return open_world(database, time_source)


def open_world(database: Database, time_source: ManualTimeSource | None = None) -> KioskWorld:
    """The use cases of kiosk K1 of company C1, site S1, on an existing database."""
    time_source = time_source or ManualTimeSource()
    clock = TimeClock(database, company_id="C1", site_id="S1", kiosk_id="K1", time_source=time_source)
    return KioskWorld(database, time_source, clock, MissedClockouts(database, clock))
