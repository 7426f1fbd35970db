"""Timesheets from the kiosk's own database: `python main.py timesheet` without files, and the admin screen's export.

The punches are recorded through the punch use cases on a real database file; the command runs as a real process.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.domain.timesheet import TIMESHEET_COLUMNS, Period, ReportsBlocked
from kiosk.services.reports import Reports
from kiosk.store import repository
from kiosk.store.device_settings import DeviceSettings, save_device_settings
from kiosk.store.location import DATABASE_FILE
from tests.support import KioskWorld, make_world

ROOT = Path(__file__).resolve().parents[2]
FACE = IdentifiedBy.FACE
AS_OF = "2026-11-03T10:00:00Z"  # E3's session is 8 hours old
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # 08:00 in Manila is 00:00Z


@pytest.fixture
def world(data_dir: Path) -> Iterator[KioskWorld]:
    """A set-up kiosk (company C1, site S1 in Manila) whose database is in `data_dir`, with two days of punches."""
    kiosk = make_world(data_dir / DATABASE_FILE)
    with kiosk.database.write() as session:
        settings = DeviceSettings(company_id="C1", site_id="S1", kiosk_id="K1", admin_pin_hash="set")
        save_device_settings(session, settings, kiosk.time.now)
    punch = kiosk.clock.record_punch
    day1, day2 = MONDAY, MONDAY + timedelta(days=1)
    for at, employee, kind, break_type in (
        (day1 + timedelta(minutes=10), "E1", PunchKind.CLOCK_IN, None),  # 08:10 local: late by 7 minutes
        (day1 + timedelta(hours=4), "E1", PunchKind.BREAK_START, BreakType.LUNCH),
        (day1 + timedelta(hours=5), "E1", PunchKind.BREAK_END, None),
        (day1 + timedelta(hours=10, minutes=40), "E1", PunchKind.CLOCK_OUT, None),
        (day1 + timedelta(hours=1, minutes=15), "E2", PunchKind.CLOCK_IN, None),
        (day1 + timedelta(hours=9), "E2", PunchKind.CLOCK_OUT, None),
        (day2 + timedelta(hours=1, minutes=1), "E1", PunchKind.CLOCK_IN, None),  # 09:01 local: half-day
        (day2 + timedelta(hours=9), "E1", PunchKind.CLOCK_OUT, None),
        (day2 + timedelta(hours=2), "E3", PunchKind.CLOCK_IN, None),  # still open
    ):
        kiosk.time.set(at)
        punch(employee, kind, break_type, identified_by=FACE)
    yield kiosk
    kiosk.close()


def timesheet(*options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "main.py"), "timesheet", *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


def rows(output: str) -> list[dict[str, str]]:
    assert output.splitlines()[0] == ",".join(TIMESHEET_COLUMNS)
    return list(csv.DictReader(io.StringIO(output)))


def export_files(world: KioskWorld, folder: Path) -> list[str]:
    """The database's punches, employees and rule sets written as the command's input files."""
    with world.database.read() as session:
        punches = repository.all_punches(session, "C1")
        employees = repository.employees(session, "C1")
        rules = repository.department_rules(session, "C1")
    # Files know people by their employee number, as payroll does.
    number = {e.id: e.number for e in employees}
    lines = ["punch_id,employee_id,kind,break_type,occurred_at"]
    lines += [
        f"{p.id},{number[p.employee_id]},{p.kind},{p.break_type or ''},{p.occurred_at.isoformat()}" for p in punches
    ]
    (folder / "punches.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    people = ["employee_id,first_name,last_name,department,daily_rate"]
    people += [f"{e.number},{e.first_name},{e.last_name},{e.department or ''},{e.daily_rate}" for e in employees]
    (folder / "employees.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    tables = [
        f'[[department]]\nname = "{r.name}"\nundertime = {str(r.undertime).lower()}\n'
        f'shift_start = "{r.shift_start:%H:%M}"\ngrace_minutes = {r.grace_minutes}\n'
        f'half_day_after = "{r.half_day_after:%H:%M}"\nhalf_day_hours = {r.half_day_hours}\n'
        f"regular_hours = {r.regular_hours}\n"
        for r in rules.values()
    ]
    (folder / "rules.toml").write_text("\n".join(tables), encoding="utf-8")
    return [
        *("--punches", str(folder / "punches.csv"), "--employees", str(folder / "employees.csv")),
        *("--rules", str(folder / "rules.toml")),
    ]


def test_the_database_gives_the_same_timesheet_as_its_facts_in_files(
    world: KioskWorld, data_dir: Path, tmp_path: Path
) -> None:
    from_database = timesheet("--data-dir", str(data_dir), "--as-of", AS_OF)
    assert from_database.returncode == 0, from_database.stderr
    assert from_database.stderr == ""
    found = rows(from_database.stdout)
    assert [(row["employee_number"], row["business_date"]) for row in found] == [
        ("E1", "2026-11-02"),
        ("E1", "2026-11-03"),
        ("E2", "2026-11-02"),
        ("E3", "2026-11-03"),
    ]
    late, half_day, office, still_open = found
    assert (late["first_in"], late["last_out"]) == ("2026-11-02T08:10:00+08:00", "2026-11-02T18:40:00+08:00")
    assert (late["working_hours"], late["break_hours"], late["overtime_hours"]) == ("9.5000", "1.0000", "1.5000")
    assert (late["status"], late["late_minutes"], late["undertime_hours"], late["deduction"]) == (
        "late",
        "7",
        "0.1167",
        "11.67",
    )
    assert (half_day["status"], half_day["undertime_hours"], half_day["deduction"]) == ("half_day", "4.0000", "400.00")
    assert office["status"] == ""  # the Office department tracks no undertime
    assert still_open["last_out"] == ""
    assert "open_session" in still_open["anomalies"].split(";")

    from_files = timesheet(*export_files(world, tmp_path), "--tz", "Asia/Manila", "--as-of", AS_OF)
    assert from_files.returncode == 0, from_files.stderr
    assert from_database.stdout == from_files.stdout

    # Later the company's missed clock-out rules (on, 16 h limit) flag the session the files know nothing of.
    later = timesheet("--data-dir", str(data_dir), "--as-of", "2026-11-04T10:00:00Z")
    assert rows(later.stdout)[-1]["anomalies"] == "missed_clock_out;open_session"


def test_a_period_and_another_time_zone(world: KioskWorld, data_dir: Path) -> None:
    one_day = timesheet("--data-dir", str(data_dir), "--from", "2026-11-03", "--to", "2026-11-03", "--as-of", AS_OF)
    assert one_day.returncode == 0, one_day.stderr
    assert [(row["employee_number"], row["business_date"]) for row in rows(one_day.stdout)] == [
        ("E1", "2026-11-03"),
        ("E3", "2026-11-03"),
    ]
    # In New York 00:10Z on 2 November is 19:10 on 1 November: the day moves and so does the arrival.
    new_york = timesheet("--data-dir", str(data_dir), "--tz", "America/New_York", "--to", "2026-11-01")
    assert new_york.returncode == 0, new_york.stderr
    assert [(row["employee_number"], row["business_date"], row["first_in"]) for row in rows(new_york.stdout)] == [
        ("E1", "2026-11-01", "2026-11-01T19:10:00-05:00"),
        ("E2", "2026-11-01", "2026-11-01T20:15:00-05:00"),
    ]
    nothing = timesheet("--data-dir", str(data_dir), "--from", "2027-01-01")
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stdout.splitlines() == [",".join(TIMESHEET_COLUMNS)]


def test_the_export_service_gives_the_command_s_text(world: KioskWorld, data_dir: Path) -> None:
    reports = Reports(world.database, world.clock)
    period = Period(date(2026, 11, 2), date(2026, 11, 3))
    as_of = datetime.fromisoformat(AS_OF)
    text = reports.timesheet_csv(period, as_of=as_of)
    command = timesheet("--data-dir", str(data_dir), "--from", "2026-11-02", "--to", "2026-11-03", "--as-of", AS_OF)
    assert text == command.stdout
    manila = reports.timesheet(period, tz=ZoneInfo("Asia/Manila"), as_of=as_of)
    assert len(manila) == 4


def test_unresolved_missed_clockouts_block_reports_when_the_company_says_so(world: KioskWorld, data_dir: Path) -> None:
    world.time.set(MONDAY + timedelta(days=2))  # E3 left a session open since yesterday
    assert world.missed.open_pending_incident("E3") is not None
    allowed = timesheet("--data-dir", str(data_dir))
    assert allowed.returncode == 0, allowed.stderr

    world.missed.update_block_reports_on_pending(True, changed_by="supervisor")
    refused = timesheet("--data-dir", str(data_dir))
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "1 unresolved missed clock-out incident" in refused.stderr
    assert "Traceback" not in refused.stderr
    reports = Reports(world.database, world.clock)
    with pytest.raises(ReportsBlocked) as blocked:
        reports.timesheet_csv(Period())
    assert blocked.value.unresolved == 1


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--from", "2026-11-05", "--to", "2026-11-01"), "starts on 2026-11-05 after it ends"),
        (("--from", "November"), "--from: 'November' is not a date"),
        (("--to", "2026-02-30"), "--to: '2026-02-30' is not a date"),
        (("--tz", "Mars/Olympus"), "unknown time zone"),
        (("--rules", "rules.toml"), "--rules applies to --punches files"),
        (("--auto-close-after", "8"), "--auto-close-after applies to --punches files"),
        (("--punches", "punches.csv"), "--punches and --employees go together"),
        (("--as-of", "soon"), "--as-of: unparsable time"),
    ],
)
def test_bad_options_print_nothing(world: KioskWorld, data_dir: Path, options: tuple[str, ...], words: str) -> None:
    result = timesheet("--data-dir", str(data_dir), *options)
    assert result.returncode != 0
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_a_folder_without_a_kiosk_is_refused_and_left_alone(tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    result = timesheet("--data-dir", str(empty))
    assert result.returncode != 0
    assert result.stdout == ""
    assert f"there is no kiosk database at {empty / DATABASE_FILE}" in result.stderr
    assert not empty.exists()


def test_a_database_never_set_up_is_refused(data_dir: Path) -> None:
    make_world(data_dir / DATABASE_FILE, identity=False).close()  # a company, but no device settings
    result = timesheet("--data-dir", str(data_dir))
    assert result.returncode != 0
    assert result.stdout == ""
    assert "is not set up yet" in result.stderr


def test_period_parsing() -> None:
    assert Period.parse(None, None) == Period()
    assert Period.parse("2026-11-01", None).contains(date(2027, 1, 1))
    assert not Period.parse(None, "2026-11-01").contains(date(2026, 11, 2))
    with pytest.raises(RuleViolation, match="is not a date"):
        Period.parse("01/11/2026", None)


def test_a_resolved_missed_clockout_closes_the_day_and_older_corrections_stay_out(data_dir: Path) -> None:
    kiosk = make_world(data_dir / DATABASE_FILE)
    try:
        kiosk.time.set(MONDAY)  # 08:00 in Manila
        kiosk.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=FACE)
        kiosk.time.set(MONDAY + timedelta(days=10))  # back on site ten days later, and asked to explain
        claim = kiosk.missed.create_and_submit_clockout_claim(
            "E2", MONDAY + timedelta(hours=9), "forgot", identified_by=FACE
        )
        kiosk.missed.resolve_missed_clockout(claim.incident.id, approve=True, resolved_by="supervisor")
        reports = Reports(kiosk.database, kiosk.clock)
        (monday,) = rows(reports.timesheet_csv(Period(date(2026, 11, 2), date(2026, 11, 2))))
        assert (monday["first_in"], monday["last_out"]) == ("2026-11-02T08:00:00+08:00", "2026-11-02T17:00:00+08:00")
        assert (monday["total_hours"], monday["anomalies"]) == ("9.0000", "corrected")
        # The report of the claim's day reads a week before it, not back to the corrected Monday: the correction
        # made that day must not turn up as a correction of an unknown punch.
        (claim_day,) = rows(reports.timesheet_csv(Period(date(2026, 11, 12), date(2026, 11, 12))))
        assert (claim_day["first_in"], claim_day["anomalies"]) == ("2026-11-12T08:00:00+08:00", "open_session")
    finally:
        kiosk.close()
