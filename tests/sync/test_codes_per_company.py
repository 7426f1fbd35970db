"""Two companies on one central database number their employees, departments and sites alike; each kiosk sees only
its own company's people under those codes, and its punches stay with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from central.reports import central_timesheet_csv
from central.roster import upsert_company, upsert_department, upsert_employee, upsert_site
from kiosk.domain.punches import PunchKind
from kiosk.domain.timesheet import Period
from kiosk.store import repository
from tests.central_database import CentralDatabase, open_kiosk
from wire.schema import punches

MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 08:00 in Manila
PEOPLE = {"acme": ("Maria", "Santos"), "beta": ("Jose", "Reyes")}


def test_same_codes_in_two_companies_each_kiosk_sees_its_own(fresh_central: CentralDatabase, tmp_path: Path) -> None:
    central = fresh_central
    for company, (first, last) in PEOPLE.items():
        upsert_company(central.engine, company, company.title())
        upsert_site(central.engine, company, "main", "Main gate", "Asia/Manila")
        upsert_department(central.engine, company, "eng", "ENGINEER SA SITE", undertime=True)
        upsert_employee(central.engine, company, "E1", first, last, department="eng", daily_rate="800")
        upsert_employee(central.engine, company, "E2", f"{first}2", last, department="eng", daily_rate="800")
    kiosks = {
        company: open_kiosk(tmp_path / f"{company}.db", central.add_kiosk(company, "main"), now=MONDAY)
        for company in PEOPLE
    }
    try:
        for company, kiosk in kiosks.items():
            with kiosk.database.read() as session:
                companies = [c.id for c in repository.companies(session)]
                seen = [
                    (e.company_id, e.number, e.full_name, e.department) for e in repository.employees(session, company)
                ]
            first, last = PEOPLE[company]
            assert companies == [company]
            assert seen == [
                (company, "E1", f"{first} {last}", "ENGINEER SA SITE"),
                (company, "E2", f"{first}2 {last}", "ENGINEER SA SITE"),
            ]
            kiosk.punch("E1", PunchKind.CLOCK_IN)
            kiosk.time.advance(hours=9)
            kiosk.punch("E1", PunchKind.CLOCK_OUT)
            pushed, _ = kiosk.sync.run_once()
            assert pushed.delivered == 2 and not pushed.rejected
        for company, kiosk in kiosks.items():
            kiosk.sync.pull()
            with kiosk.database.read() as session:
                held = repository.all_punches(session, company)
            assert {p.employee_id for p in held} == {central.employee_id(company, "E1")}
        with central.engine.connect() as admin:
            owners = {
                (row.company_id, row.employee_id)
                for row in admin.execute(select(punches.c.company_id, punches.c.employee_id))
            }
            assert owners == {(company, central.employee_id(company, "E1")) for company in PEOPLE}
            sheets = {
                company: central_timesheet_csv(
                    admin, company, Period(), site_code="main", as_of=MONDAY + timedelta(days=1)
                ).splitlines()
                for company in PEOPLE
            }
        assert sheets["acme"][1].startswith("E1,Maria,Santos,2026-11-02,2026-11-02T08:00:00+08:00,")
        assert sheets["beta"][1].startswith("E1,Jose,Reyes,2026-11-02,2026-11-02T08:00:00+08:00,")
        assert len(sheets["acme"]) == len(sheets["beta"]) == 2
    finally:
        for kiosk in kiosks.values():
            kiosk.close()
