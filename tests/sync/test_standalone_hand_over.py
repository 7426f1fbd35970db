"""A kiosk that ran on its own for a month is provisioned: its departments, employees and punches go to head office,
matched by employee number, and the timesheet is the same before, after, and at head office."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from central.reports import central_timesheet_csv
from central.roster import upsert_company, upsert_department, upsert_employee, upsert_site
from kiosk import commands as kiosk_commands
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.domain.timesheet import Period
from kiosk.services.enrolment import BiometricEnrolment, EnrolmentSample
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.services.local_kiosk import this_kiosks_time_clock
from kiosk.services.reports import Reports
from kiosk.services.roster import Roster
from kiosk.store import kept_state, repository
from kiosk.store.database import Database
from kiosk.store.location import database_path
from kiosk.store.schema import KeptSession, PunchRow, SyncState
from kiosk.store.secrets import SecretStore
from sync.credentials import ProfileStore
from sync.kiosk_sync import KioskSync
from tests.central_database import CentralDatabase
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from wire.provisioning import encode_token
from wire.schema import departments, employees, face_templates, punches

MANILA = timedelta(hours=8)
FIRST_DAY = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
PERIOD = Period(FIRST_DAY.date(), (FIRST_DAY + timedelta(days=DAYS - 1)).date())
AS_OF = FIRST_DAY + timedelta(days=DAYS + 3)
FACE = np.random.default_rng(20261129).normal(size=128).astype(np.float32) / 11.3  # a face-like 128-d encoding


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A Manila wall-clock time on day `day` of the month, as UTC."""
    return FIRST_DAY + timedelta(days=day, hours=hour, minutes=minute) - MANILA


def run_a_month_standalone(folder: Path, keyring: MemoryKeyring) -> str:
    """Set a kiosk up without a central database, give it a roster and a month of punches; its timesheet CSV."""
    database = Database(database_path(folder))
    time_source = ManualTimeSource(FIRST_DAY)
    try:
        KioskSetup(database, SecretStore(keyring), time_source).set_up(
            company_name="Acme on its own", site_name="Yard", timezone="Asia/Manila", admin_pin="246810"
        )
        clock = this_kiosks_time_clock(database, time_source)
        roster = Roster(database, clock, SecretStore(keyring))
        roster.save_department(DepartmentRules(name="ENGINEER SA SITE", undertime=True), changed_by="supervisor")
        roster.save_department(
            DepartmentRules(name="Night crew", shift_start=time(22, 0), half_day_after=time(23, 0)),
            changed_by="supervisor",
        )
        people = {
            number: roster.add_employee(
                number=number, first_name=first, last_name="Santos", department=department, daily_rate="800",
                changed_by="supervisor",
            ).id
            for number, first, department in (
                ("E001", "Maria", "ENGINEER SA SITE"),  # head office knows E001 under its own id
                ("E002", "Jose", "Night crew"),  # head office has never heard of E002, nor of Night crew
            )
        }  # fmt: skip

        def tap(number: str, kind: PunchKind, at: datetime, break_type: BreakType | None = None) -> None:
            time_source.set(at)
            outcome = clock.record_punch(people[number], kind, break_type, identified_by=IdentifiedBy.PIN)
            assert outcome.punch is not None, outcome

        for day in range(DAYS):
            tap("E001", PunchKind.CLOCK_IN, local(day, 8, 7 * (day % 5)))  # late some days: deductions
            tap("E001", PunchKind.BREAK_START, local(day, 12), BreakType.LUNCH)
            tap("E001", PunchKind.BREAK_END, local(day, 13))
            tap("E001", PunchKind.CLOCK_OUT, local(day, 17, 30 * (day % 3)))
            tap("E002", PunchKind.CLOCK_IN, local(day, 22))
            tap("E002", PunchKind.CLOCK_OUT, local(day, 30))  # 06:00 the next morning
        # Faces and PINs kept at the kiosk go along too.
        enrolment = BiometricEnrolment(database, SecretStore(keyring), time_source)
        enrolment.enrol(people["E001"], [EnrolmentSample("frontal", FACE)], enrolled_by="s", consent_recorded_by="s")
        roster.set_pin(people["E001"], "1111", changed_by="supervisor")
        roster.set_pin(people["E002"], "2222", changed_by="supervisor")
        return Reports(database, clock).timesheet_csv(PERIOD, as_of=AS_OF)
    finally:
        database.close()


def test_a_month_on_its_own_then_provisioned_gives_the_same_timesheet(
    fresh_central: CentralDatabase, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = run_a_month_standalone(tmp_path, memory_keyring)
    assert len(before.splitlines()) == 1 + 2 * DAYS

    central = fresh_central
    upsert_company(central.engine, "acme", "Acme Ltd")
    upsert_site(central.engine, "acme", "yard", "Yard", "Asia/Manila")
    upsert_department(central.engine, "acme", "eng", "ENGINEER SA SITE", undertime=True)
    known_e001 = upsert_employee(central.engine, "acme", "E001", "Maria", "Santos", department="eng", daily_rate="800")
    upsert_employee(central.engine, "acme", "E003", "Ana", "Cruz", department="eng", daily_rate="650")
    profile = central.add_kiosk("acme", "yard")

    assert kiosk_commands.main(["provision", encode_token(profile), "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "handed over 2 departments and 2 employees (1 already known at head office" in out
    assert "1 face templates sealed under the company's key" in out
    assert f"{4 * DAYS + 2 * DAYS} punches go up with the next sync" in out

    database = Database(database_path(tmp_path))
    try:
        stored = ProfileStore(SecretStore(memory_keyring)).load()
        assert stored is not None
        sync = KioskSync(database, stored)
        pushed, _ = sync.run_once()
        sync.close()
        # The punches, the two PINs and the face go up: provisioning sealed the face again, to head office's id and
        # under the company's key, so that every kiosk of the company can open it.
        assert pushed.delivered == 6 * DAYS + 3 and not pushed.rejected and not pushed.conflicts
        with database.read() as session:
            assert [c.id for c in repository.companies(session)] == ["acme"]  # the made-up company is gone
            staff = {e.number: e for e in repository.employees(session, "acme")}
            states = {row.sync_state for row in session.scalars(select(PunchRow))}
            # The kept sessions follow the punches to their new ids: what deriving them all again gives.
            assert kept_state.differences(session, "acme") == []
            worked = {row.employee_id for row in session.scalars(select(PunchRow))}
            assert {row.employee_id for row in session.scalars(select(KeptSession))} == worked
            assert worked <= {e.id for e in staff.values()}
        assert sorted(staff) == ["E001", "E002", "E003"]
        assert staff["E001"].id == known_e001  # matched by number: head office's id
        assert states == {SyncState.SENT}
        clock = this_kiosks_time_clock(database, ManualTimeSource(AS_OF))
        after = Reports(database, clock).timesheet_csv(PERIOD, as_of=AS_OF)
        # E001's face, moved to head office's id, is sealed again to it and recognised; their PINs still work.
        enrolment = BiometricEnrolment(database, SecretStore(memory_keyring), ManualTimeSource(AS_OF))
        loaded = enrolment.load_gallery()
        assert loaded.unreadable == () and enrolment.identify(FACE).employee == known_e001
        roster = Roster(database, clock, SecretStore(memory_keyring))
        assert roster.identify_by_pin(known_e001, "1111").accepted
        assert roster.identify_by_pin(staff["E002"].id, "2222").accepted
        resync = KioskSync(database, stored)
        again, _ = resync.run_once()
        resync.close()
        # The two PINs just typed were hashed again with the company's pepper: they go up, for every kiosk.
        assert again.delivered == 2 and not again.rejected
    finally:
        database.close()

    with central.engine.connect() as admin:
        at_head_office = central_timesheet_csv(admin, "acme", PERIOD, site_code="yard", as_of=AS_OF)
        night = admin.execute(select(departments.c.code).where(departments.c.name == "Night crew")).scalar_one()
        e002 = admin.execute(select(employees).where(employees.c.number == "E002")).mappings().one()
        by_employee: dict[str, int] = dict(
            admin.execute(select(punches.c.employee_id, func.count()).group_by(punches.c.employee_id)).all()
        )
        faces = admin.execute(select(face_templates.c.employee_id)).scalars().all()
        pins = dict(admin.execute(select(employees.c.number, employees.c.pin_hash)).all())
    assert before == after == at_head_office
    assert night == "Night-crew"
    assert (e002["first_name"], e002["company_id"]) == ("Jose", "acme")
    assert by_employee == {known_e001: 4 * DAYS, e002["id"]: 2 * DAYS}
    assert faces == [known_e001]
    assert pins["E001"] is not None and pins["E002"] is not None and pins["E003"] is None
