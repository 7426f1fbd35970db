"""`python -m central timesheet`: head office prints the same CSV as the kiosks, from the central facts."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from central.commands import main
from central.reports import central_timesheet
from central.roster import upsert_department, upsert_employee
from kiosk.domain.punches import BreakType, PunchKind
from kiosk.domain.timesheet import TOTALS_COLUMNS, Period
from kiosk.services.reports import Reports
from kiosk.services.timesheet_export import export_timesheets
from sync.credentials import adopt_identity
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk

ROOT = Path(__file__).resolve().parents[2]
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


def leave_a_session_open(site: CentralDatabase, gate: KioskUnderTest) -> None:
    """The company blocks reports while missed clock-outs wait, and one does: E001's, synced to head office."""
    with site.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET missed_clockout_enabled = true, block_reports_on_pending = true"))
    gate.sync.pull()
    gate.punch("acme-E001", PunchKind.CLOCK_IN)
    gate.time.advance(hours=30)
    assert gate.missed.open_pending_incident(gate.employee_id("acme-E001")) is not None
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
    leave_a_session_open(site, kiosks[0])
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


def test_streamed_in_batches_the_rows_are_those_of_one_pass(
    site: CentralDatabase, kiosks: list[KioskUnderTest]
) -> None:
    gate, dock = kiosks
    work_a_week(gate, dock)
    period = Period.parse("2026-11-02", "2026-11-04")
    as_of = datetime.fromisoformat(AS_OF)
    with site.engine.connect() as connection:
        whole = list(central_timesheet(connection, "acme", period, as_of=as_of))
        one_by_one = central_timesheet(connection, "acme", period, as_of=as_of, batch_employees=1)
        assert next(one_by_one) == whole[0]  # rows come before the last employee was read
        assert [whole[0], *one_by_one] == whole
    assert [row.employee_number for row in whole] == ["acme-E001"] * 3 + ["acme-E002"] * 3 + ["acme-E003"] * 3


def test_the_workbook_and_totals_are_the_kiosks(
    site: CentralDatabase, kiosks: list[KioskUnderTest], tmp_path: Path
) -> None:
    gate, dock = kiosks
    work_a_week(gate, dock)
    book, totals = tmp_path / "central.xlsx", tmp_path / "totals.csv"
    code, out, err = run_cli(
        site, "timesheet", "--company", "acme", "--from", "2026-11-02", "--to", "2026-11-04", "--as-of", AS_OF,
        "--xlsx", str(book), "--totals-csv", str(totals),
    )  # fmt: skip
    assert code == 0, err
    assert out == ""
    assert "9 rows written to" in err
    period = Period.parse("2026-11-02", "2026-11-04")
    exported = export_timesheets(
        Reports(gate.database, gate.clock), [period], tmp_path / "kiosk", as_of=datetime.fromisoformat(AS_OF)
    )
    at_kiosk, at_head_office = load_workbook(exported.workbook), load_workbook(book)
    assert at_head_office.sheetnames == at_kiosk.sheetnames == [period.title, "Totals " + period.title]
    for name in at_kiosk.sheetnames:
        expected = list(at_kiosk[name].iter_rows(values_only=True))
        assert list(at_head_office[name].iter_rows(values_only=True)) == expected
    lines = totals.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(TOTALS_COLUMNS)
    by_number = {line.split(",")[0]: dict(zip(TOTALS_COLUMNS, line.split(","), strict=True)) for line in lines[1:]}
    # E002 came 10, 11 and 12 minutes after 08:00: 7 + 8 + 9 minutes late at 100 an hour.
    assert by_number["acme-E002"]["late_minutes"] == "24"
    assert by_number["acme-E002"]["deduction"] == str(Decimal("11.67") + Decimal("13.33") + Decimal("15.00"))
    assert (by_number["acme-E003"]["half_days"], by_number["acme-E003"]["deduction"]) == ("3", "1200.00")
    assert by_number["acme-E001"]["days"] == "3"
    assert not list(tmp_path.glob("*.part"))


def test_a_pay_period_and_a_department(site: CentralDatabase, kiosks: list[KioskUnderTest]) -> None:
    gate, dock = kiosks
    upsert_department(site.engine, "acme", "yard-crew", "Yard crew")
    upsert_employee(site.engine, "acme", "acme-E002", "Worker", "Number2", department="yard-crew", daily_rate="800")
    work_a_week(gate, dock)
    code, half_month, err = run_cli(
        site, "timesheet", "--company", "acme", "--period", "semi-monthly", "--day", "2026-11-09", "--as-of", AS_OF
    )
    assert code == 0, err
    code, dates, err = run_cli(
        site, "timesheet", "--company", "acme", "--from", "2026-11-01", "--to", "2026-11-15", "--as-of", AS_OF
    )
    assert half_month == dates
    code, crew, err = run_cli(
        site, "timesheet", "--company", "acme", "--department", "yard-crew", "--period", "monthly", "--as-of", AS_OF
    )
    assert code == 0, err
    assert {line.split(",")[0] for line in crew.splitlines()[1:]} == {"acme-E002"}
    assert len(crew.splitlines()) == 1 + 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--department", "moon"], "no department 'moon'"),
        (["--period", "monthly", "--from", "2026-11-01"], "not both"),
        (["--day", "2026-11-01"], "--day names the day a pay period"),
        (["--period", "monthly", "--day", "2026-02-30"], "--day: '2026-02-30' is not a date"),
        (["--xlsx", "/proc/no/such/folder/x.xlsx"], "cannot write /proc/no/such/folder/x.xlsx"),
    ],
)
def test_bad_report_choices_are_clear_and_write_nothing(
    site: CentralDatabase, args: list[str], message: str, tmp_path: Path
) -> None:
    code, out, err = run_cli(site, "timesheet", "--company", "acme", *args, "--csv", str(tmp_path / "t.csv"))
    assert code == 1
    assert out == ""
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_a_blocked_report_leaves_no_file(site: CentralDatabase, kiosks: list[KioskUnderTest], tmp_path: Path) -> None:
    leave_a_session_open(site, kiosks[0])
    reports = tmp_path / "reports"
    reports.mkdir()
    code, _out, err = run_cli(site, "timesheet", "--company", "acme", "--xlsx", str(reports / "t.xlsx"))
    assert code == 1
    assert "1 unresolved missed clock-out incident" in err
    assert list(reports.iterdir()) == []


def test_head_office_prints_what_main_py_timesheet_prints_at_the_kiosk(site: CentralDatabase, tmp_path: Path) -> None:
    gate, dock = (
        open_kiosk(tmp_path / name / "kiosk.db", site.add_kiosk("acme", "yard", name), now=MANILA_8AM)
        for name in ("gate", "dock")
    )
    try:
        for kiosk in (gate, dock):
            adopt_identity(kiosk.database, kiosk.profile)  # as `main.py provision` does
        work_a_week(gate, dock)
        days = ["--from", "2026-11-02", "--to", "2026-11-04"]
        code, central_csv, err = run_cli(site, "timesheet", "--company", "acme", *days)
        assert code == 0, err
        for name in ("gate", "dock"):
            printed = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "timesheet", "--data-dir", str(tmp_path / name), *days],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert printed.returncode == 0, printed.stderr
            assert printed.stdout == central_csv
        assert len(central_csv.splitlines()) == 1 + 9
    finally:
        gate.close()
        dock.close()
