"""Reading the timesheet's input files, and the report built from any source of facts."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.incidents import MissedClockoutIncident, MissedClockoutSettings
from kiosk.domain.punches import BreakType, PunchKind
from kiosk.domain.timesheet import EmployeeTerms, build_timesheet, write_timesheet_csv
from kiosk.services.timesheet_files import (
    PUNCH_ID_NAMESPACE,
    InputFileError,
    read_employees,
    read_punches,
    read_rules,
    terms_of,
)
from tests.domain.builders import punch

MANILA = ZoneInfo("Asia/Manila")


def test_punch_ids_may_be_uuids_or_any_text(tmp_path: Path) -> None:
    known = uuid.UUID("0b8f7a6e-1d2c-4e5f-9a8b-7c6d5e4f3a2b")
    path = tmp_path / "punches.csv"
    path.write_text(
        "\ufeffpunch_id,employee_id,kind,break_type,occurred_at,kiosk\n"
        f"{known},E1,clock_in,,2026-01-27T08:00:00.250+08:00,gate\n"
        "\n"
        "lunch-1, E1 ,BREAK_START,Lunch,2026-01-27T04:00:00Z,gate\n"
        "lunch-1,E1,break_start,lunch,2026-01-27T04:00:00Z,gate\n",
        encoding="utf-8",
    )
    first, second = read_punches(path, {"E1"})
    assert first.id == known
    assert first.occurred_at == datetime(2026, 1, 27, 0, 0, 0, 250000, tzinfo=UTC)
    assert second.id == uuid.uuid5(PUNCH_ID_NAMESPACE, "lunch-1")
    assert (second.employee_id, second.kind, second.break_type) == ("E1", PunchKind.BREAK_START, BreakType.LUNCH)


def test_employees_and_their_terms(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_text(
        "employee_id,first_name,last_name,department,daily_rate\nE1,Maria,Santos,Sur admin,812.50\nE2,Jo,Li,,0\n"
    )
    employees = read_employees(path)
    assert employees["E1"].first_name == "Maria"
    assert terms_of(employees)["E1"].daily_rate == Decimal("812.50")
    assert terms_of(employees)["E2"].department == ""


def test_rules_defaults_and_types(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[department]]\nname = "Sur admin"\nundertime = true\n\n'
        '[[department]]\nname = "Night"\nshift_start = 22:00:00\nhalf_day_after = "23:30"\nhalf_day_hours = 3.5\n'
    )
    rules = read_rules(path)
    assert rules["Sur admin"].undertime
    assert (rules["Sur admin"].shift_start, rules["Sur admin"].grace_minutes) == (time(8), 3)
    assert rules["Night"].shift_start == time(22)
    assert rules["Night"].half_day_after == time(23, 30)
    assert rules["Night"].half_day_hours == Decimal("3.5")
    assert not rules["Night"].undertime


def test_errors_carry_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "punches.csv"
    path.write_text("punch_id,employee_id,kind,break_type,occurred_at\n1,E1,clock_in,,soon\n")
    with pytest.raises(InputFileError) as caught:
        read_punches(path, {"E1"})
    assert (caught.value.path, caught.value.line, caught.value.code) == (path, 2, "time_invalid")


def test_a_file_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(InputFileError) as caught:
        read_employees(path)
    assert caught.value.code == "file_unreadable"


def test_the_report_applies_corrections_from_any_source() -> None:
    clock_in = datetime(2026, 1, 26, 0, 0, tzinfo=UTC)  # 08:00 in Manila
    punches = [
        punch("E1", PunchKind.CLOCK_IN, clock_in),
        punch("E1", PunchKind.CLOCK_IN, datetime(2026, 1, 27, tzinfo=UTC)),
    ]
    incident = MissedClockoutIncident.submit_claim(
        id=uuid.uuid4(),
        company_id="acme",
        employee_id="E1",
        first_name="Maria",
        last_name="Santos",
        clock_in_punch_id=punches[0].id,
        login_time=clock_in,
        logout_time=datetime(2026, 1, 26, 9, 30, tzinfo=UTC),
        reason="Forgot",
        note=None,
        now=datetime(2026, 1, 27, tzinfo=UTC),
    ).approve("supervisor", None, datetime(2026, 1, 27, 1, tzinfo=UTC))
    summaries = build_timesheet(
        punches,
        [incident.resolution_correction()],
        {"E1": EmployeeTerms("Warehouse", Decimal(600), number="E1", first_name="Maria", last_name="Santos")},
        {},
        tz=MANILA,
        policy=MissedClockoutSettings(missed_clockout_enabled=True).session_policy(),
        as_of=datetime(2026, 1, 27, 2, tzinfo=UTC),
    )
    out = io.StringIO()
    write_timesheet_csv(summaries, out)
    lines = out.getvalue().splitlines()
    assert lines[1] == (
        "E1,Maria,Santos,2026-01-26,2026-01-26T08:00:00+08:00,2026-01-26T17:30:00+08:00,9.5000,0.0000,9.5000,1.5000,,0,0.0000,0.00,"
        "corrected"
    )
    assert lines[2].startswith("E1,Maria,Santos,2026-01-27,2026-01-27T08:00:00+08:00,,")
    assert lines[2].endswith(",open_session")
