"""`python -m central timesheet`: head office prints the same CSV as the kiosks, from the central facts."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from central.commands import main
from kiosk.domain.punches import BreakType, PunchKind
from kiosk.domain.timesheet import Period
from kiosk.services.reports import Reports
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk

MANILA_8AM = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
AS_OF = "2026-11-06T00:00:00+00:00"


def run_cli(central: CentralDatabase, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--database-url", central.url, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def site(fresh_central: CentralDatabase) -> CentralDatabase:
    fresh_central.add_company("acme", sites={"yard": "Asia/Manila"}, employees=3)
    return fresh_central


@pytest.fixture
def kiosks(site: CentralDatabase, tmp_path: Path) -> Iterator[list[KioskUnderTest]]:
    opened = [
        open_kiosk(tmp_path / f"{name}.db", site.add_kiosk("acme", "yard", name), now=MANILA_8AM)
        for name in ("gate", "dock")
    ]
    yield opened
    for kiosk in opened:
        kiosk.close()


def work_a_week(gate: KioskUnderTest, dock: KioskUnderTest) -> None:
    """Three days of punching, in at one kiosk and out at the other, late arrivals and lunch breaks included."""
    for day in range(3):
        morning = MANILA_8AM + timedelta(days=day)
        for number, late in ((1, 0), (2, 10 + day), (3, 75)):
            employee = f"acme-E00{number}"
            gate.time.set(morning + timedelta(minutes=late, seconds=number))
            gate.punch(employee, PunchKind.CLOCK_IN)
            gate.sync.run_once()
            dock.sync.run_once()
        for number in (1, 2, 3):
            employee = f"acme-E00{number}"
            dock.time.set(morning + timedelta(hours=4, seconds=number))
            dock.punch(employee, PunchKind.BREAK_START, BreakType.LUNCH)
            dock.time.set(morning + timedelta(hours=5, seconds=number))
            dock.punch(employee, PunchKind.BREAK_END)
            dock.time.set(morning + timedelta(hours=9, minutes=30 * number))
            dock.punch(employee, PunchKind.CLOCK_OUT)
        dock.sync.run_once()
        gate.sync.run_once()


def test_head_office_prints_what_every_kiosk_prints(site: CentralDatabase, kiosks: list[KioskUnderTest]) -> None:
    gate, dock = kiosks
    work_a_week(gate, dock)
    code, central_csv, err = run_cli(
        site, "timesheet", "--company", "acme", "--from", "2026-11-02", "--to", "2026-11-04", "--as-of", AS_OF
    )
    assert code == 0, err
    period = Period.parse("2026-11-02", "2026-11-04")
    as_of = datetime.fromisoformat(AS_OF)
    for kiosk in kiosks:
        assert Reports(kiosk.database, kiosk.clock).timesheet_csv(period, as_of=as_of) == central_csv
    rows = central_csv.splitlines()
    assert len(rows) == 1 + 3 * 3
    assert rows[0].startswith("employee_number,first_name,last_name,business_date,first_in,last_out")
    late = next(row for row in rows if row.startswith("acme-E002,Worker,Number2,2026-11-02"))
    assert ",late,7," in late  # 08:10 is 7 minutes late (grace until 08:03:59)
    half = next(row for row in rows if row.startswith("acme-E003,Worker,Number3,2026-11-03"))
    assert ",half_day," in half


def test_reports_refuse_while_missed_clockouts_wait_when_the_company_says_so(
    site: CentralDatabase, kiosks: list[KioskUnderTest]
) -> None:
    gate, _ = kiosks
    with site.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET missed_clockout_enabled = true, block_reports_on_pending = true"))
    gate.sync.pull()
    gate.punch("acme-E001", PunchKind.CLOCK_IN)
    gate.time.advance(hours=30)
    assert gate.missed.open_pending_incident(gate.employee_id("acme-E001")) is not None
    gate.sync.run_once()
    code, out, err = run_cli(site, "timesheet", "--company", "acme")
    assert code == 1
    assert out == ""
    assert "1 unresolved missed clock-out incident" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--company", "nobody"], "no company 'nobody'"),
        (["--company", "acme", "--site", "moon"], "no site 'moon'"),
        (["--company", "acme", "--from", "2026-13-01"], "--from"),
        (["--company", "acme", "--from", "2026-11-05", "--to", "2026-11-01"], "swap the dates"),
        (["--company", "acme", "--as-of", "2026-11-05"], "has no offset"),
    ],
)
def test_bad_timesheet_input_is_clear_and_prints_nothing(site: CentralDatabase, args: list[str], message: str) -> None:
    code, out, err = run_cli(site, "timesheet", *args)
    assert code == 1
    assert out == ""
    assert message in err
