"""`python main.py timesheet` end to end: real files, a real process, the CSV it prints."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "employee_number,first_name,last_name,business_date,first_in,last_out,total_hours,break_hours,working_hours,overtime_hours,status,"
    "late_minutes,undertime_hours,deduction,anomalies"
)
EMPLOYEES = """employee_id,first_name,last_name,department,daily_rate
E1,Maria,Santos,Sur admin,800
E2,Jose,Reyes,Sur admin,800
E3,Ana,Cruz,Warehouse,650
"""
RULES = """# Seed 002's rule set for one department.
[[department]]
name = "Sur admin"
undertime = true
shift_start = "08:00"
grace_minutes = 3
half_day_after = "09:00"
half_day_hours = 4
regular_hours = 8

[[department]]
name = "Night crew"
regular_hours = 7.5
"""
# Manila is UTC+8: 00:10Z is 08:10 local.
PUNCHES = """punch_id,employee_id,kind,break_type,occurred_at
p1,E1,clock_in,,2026-01-27T00:10:00Z
p2,E1,break_start,lunch,2026-01-27T04:00:00Z
p3,E1,break_end,,2026-01-27T13:00:00+08:00
p4,E1,clock_out,,2026-01-27T10:40:00Z
p5,E2,clock_in,,2026-01-27T09:15:00+08:00
p6,E2,clock_out,,2026-01-27T09:00:00Z
p7,E3,clock_in,,2026-01-27T14:00:00Z
p8,E3,clock_in,,2026-01-27T14:00:40Z
"""


def write(folder: Path, punches: str = PUNCHES, employees: str = EMPLOYEES, rules: str = RULES) -> dict[str, Path]:
    paths = {"punches": folder / "punches.csv", "employees": folder / "employees.csv", "rules": folder / "rules.toml"}
    paths["punches"].write_text(punches, encoding="utf-8")
    paths["employees"].write_text(employees, encoding="utf-8")
    paths["rules"].write_text(rules, encoding="utf-8")
    return paths


def timesheet(paths: dict[str, Path], *extra: str, tz: str = "Asia/Manila") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "main.py"), "timesheet", "--tz", tz]
    for option in ("punches", "employees", "rules"):
        if option in paths:
            command += [f"--{option}", str(paths[option])]
    return subprocess.run([*command, *extra], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


def rows(output: str) -> list[dict[str, str]]:
    assert output.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(output)))


def test_the_timesheet_of_a_day(tmp_path: Path) -> None:
    result = timesheet(write(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        HEADER,
        # 08:10 -> late 7 min, 0.1167 h, 11.67 at 800; 10.5 h with a 1 h lunch -> 9.5 h, 1.5 h overtime.
        "E1,Maria,Santos,2026-01-27,2026-01-27T08:10:00+08:00,2026-01-27T18:40:00+08:00,10.5000,1.0000,9.5000,1.5000,"
        "late,7,0.1167,11.67,",
        # 09:15 -> half-day, 4 h, 400.00; 72 minutes after 08:03.
        "E2,Jose,Reyes,2026-01-27,2026-01-27T09:15:00+08:00,2026-01-27T17:00:00+08:00,7.7500,0.0000,7.7500,0.0000,"
        "half_day,72,4.0000,400.00,",
        # An untracked department, a session still open, a second tap 40 s later.
        "E3,Ana,Cruz,2026-01-27,2026-01-27T22:00:00+08:00,,0.0000,0.0000,0.0000,0.0000,,0,0.0000,0.00,"
        "duplicate_tap;open_session",
    ]


def test_grace_boundaries_and_a_department_without_rules(tmp_path: Path) -> None:
    punches = """punch_id,employee_id,kind,break_type,occurred_at
a,E1,clock_in,,2026-02-02T08:03:59+08:00
b,E1,clock_out,,2026-02-02T17:00:00+08:00
c,E1,clock_in,,2026-02-03T08:04:00+08:00
d,E1,clock_out,,2026-02-03T17:00:00+08:00
e,E1,clock_in,,2026-02-04T09:00:59+08:00
f,E1,clock_out,,2026-02-04T17:00:00+08:00
g,E1,clock_in,,2026-02-05T09:01:00+08:00
h,E1,clock_out,,2026-02-05T17:00:00+08:00
"""
    paths = write(tmp_path, punches)
    found = [
        (r["status"], r["late_minutes"], r["undertime_hours"], r["deduction"]) for r in rows(timesheet(paths).stdout)
    ]
    assert found == [
        ("on_time", "0", "0.0000", "0.00"),
        ("late", "1", "0.0167", "1.67"),
        ("late", "57", "0.9500", "95.00"),
        ("half_day", "58", "4.0000", "400.00"),
    ]
    del paths["rules"]  # without rules no department tracks undertime
    untracked = rows(timesheet(paths).stdout)
    assert {(r["status"], r["late_minutes"], r["undertime_hours"], r["deduction"]) for r in untracked} == {
        ("", "0", "0.0000", "0.00")
    }


@pytest.mark.parametrize(
    "case",
    [
        # Spring forward: 22:00 EST to 06:00 EDT is 7 hours.
        (
            "2026-03-08T03:00:00Z",
            "2026-03-08T10:00:00Z",
            "7.0000",
            "2026-03-07T22:00:00-05:00",
            "2026-03-08T06:00:00-04:00",
        ),
        # Fall back: 22:00 EDT to 06:00 EST is 9 hours, one of them overtime.
        (
            "2026-11-01T02:00:00Z",
            "2026-11-01T11:00:00Z",
            "9.0000",
            "2026-10-31T22:00:00-04:00",
            "2026-11-01T06:00:00-05:00",
        ),
    ],
)
def test_daylight_saving_nights(tmp_path: Path, case: tuple[str, str, str, str, str]) -> None:
    start, end, hours, first_in, last_out = case
    punches = f"punch_id,employee_id,kind,break_type,occurred_at\n1,E3,clock_in,,{start}\n2,E3,clock_out,,{end}\n"
    (row,) = rows(timesheet(write(tmp_path, punches), tz="America/New_York").stdout)
    assert row["business_date"] == first_in[:10]
    assert (row["first_in"], row["last_out"], row["total_hours"]) == (first_in, last_out, hours)
    assert row["overtime_hours"] == ("1.0000" if hours == "9.0000" else "0.0000")


def test_anomalies_are_listed(tmp_path: Path) -> None:
    punches = """punch_id,employee_id,kind,break_type,occurred_at
1,E3,clock_in,,2026-01-26T08:00:00+08:00
2,E3,clock_in,,2026-01-27T08:00:00+08:00
3,E3,break_end,,2026-01-27T10:00:00+08:00
4,E3,break_start,rest,2026-01-27T15:00:00+08:00
5,E3,clock_out,,2026-01-27T15:10:00+08:00
6,E3,clock_out,,2026-01-28T09:00:00+08:00
"""
    found = {r["business_date"]: r for r in rows(timesheet(write(tmp_path, punches)).stdout)}
    assert found["2026-01-26"]["anomalies"] == "clock_in_while_open;missed_clock_out;open_session"
    assert found["2026-01-26"]["last_out"] == ""
    assert found["2026-01-27"]["anomalies"] == "break_end_without_start;clock_out_during_break"
    assert found["2026-01-27"]["working_hours"] == "7.0000"
    assert found["2026-01-28"]["anomalies"] == "clock_out_without_clock_in"
    assert found["2026-01-28"]["first_in"] == ""


def test_auto_close_and_as_of(tmp_path: Path) -> None:
    punches = "punch_id,employee_id,kind,break_type,occurred_at\n1,E3,clock_in,,2026-01-27T08:00:00+08:00\n"
    paths = write(tmp_path, punches)
    (still_open,) = rows(timesheet(paths, "--as-of", "2026-01-27T12:00:00+08:00").stdout)
    assert (still_open["last_out"], still_open["anomalies"]) == ("", "open_session")
    (closed,) = rows(timesheet(paths, "--auto-close-after", "16").stdout)
    assert closed["last_out"] == "2026-01-28T00:00:00+08:00"
    assert (closed["total_hours"], closed["overtime_hours"], closed["anomalies"]) == (
        "16.0000",
        "8.0000",
        "auto_closed",
    )


def test_no_punches_prints_the_header(tmp_path: Path) -> None:
    result = timesheet(write(tmp_path, "punch_id,employee_id,kind,break_type,occurred_at\n"))
    assert result.returncode == 0
    assert result.stdout == HEADER + "\n"


GOOD_ROW = "1,E1,clock_in,,2026-01-27T08:00:00+08:00\n"
PUNCH_HEADER = "punch_id,employee_id,kind,break_type,occurred_at\n"


@pytest.mark.parametrize(
    ("punches", "line", "words"),
    [
        (PUNCH_HEADER + GOOD_ROW + "2,E1,clock_sideways,,2026-01-27T09:00:00Z\n", 3, "unknown punch kind"),
        (PUNCH_HEADER + GOOD_ROW + "2,E1,clock_out,,27/01/2026 17:00\n", 3, "unparsable time"),
        (PUNCH_HEADER + "2,E1,clock_out,,2026-01-27T17:00:00\n", 2, "no zone"),
        (PUNCH_HEADER + "2,E1,clock_out,,0001-01-01T00:00:00+01:00\n", 2, "outside 1970-2200"),
        (PUNCH_HEADER + "2,E1,clock_out,,2026-01-27T17:00:00+25:00\n", 2, "unparsable time"),
        (PUNCH_HEADER + '2,E1,"clock_out\n', 2, "malformed CSV"),
        (PUNCH_HEADER + GOOD_ROW + GOOD_ROW.replace("E1", "E9").replace("1,", "2,", 1), 3, "unknown employee"),
        (PUNCH_HEADER + "2,E1,break_start,coffee,2026-01-27T09:00:00Z\n", 2, "unknown break type"),
        (PUNCH_HEADER + "2,E1,break_start,,2026-01-27T09:00:00Z\n", 2, "needs a break type"),
        (PUNCH_HEADER + "2,E1,clock_in,lunch,2026-01-27T09:00:00Z\n", 2, "has no break type"),
        (PUNCH_HEADER + GOOD_ROW + "1,E1,clock_out,,2026-01-27T17:00:00Z\n", 3, "already used on line 2"),
        (PUNCH_HEADER + GOOD_ROW + "2,E1,clock_out\n", 3, "expected 5 fields"),
        (PUNCH_HEADER + ",E1,clock_out,,2026-01-27T17:00:00Z\n", 2, "punch_id is empty"),
        (
            "punch_id,employee_id,kind,occurred_at\n1,E1,clock_in,2026-01-27T08:00:00Z\n",
            1,
            "missing column(s) break_type",
        ),
        ("", 0, "the file is empty"),
    ],
)
def test_bad_punches(tmp_path: Path, punches: str, line: int, words: str) -> None:
    expect_failure(timesheet(write(tmp_path, punches)), "punches.csv", line, words)


@pytest.mark.parametrize(
    ("employees", "line", "words"),
    [
        ("employee_id,first_name,last_name,daily_rate\nE1,Maria,Santos,800\n", 1, "missing column(s) department"),
        (EMPLOYEES + "E1,Maria,Again,Sur admin,800\n", 5, "already listed on line 2"),
        (EMPLOYEES + "E4,Leo,Lim,Sur admin,eight hundred\n", 5, "not an amount"),
        (EMPLOYEES + "E4,Leo,Lim,Sur admin,-1\n", 5, "at least 0"),
        (EMPLOYEES + ",Leo,Lim,Sur admin,100\n", 5, "employee_id is empty"),
    ],
)
def test_bad_employees(tmp_path: Path, employees: str, line: int, words: str) -> None:
    expect_failure(timesheet(write(tmp_path, employees=employees)), "employees.csv", line, words)


@pytest.mark.parametrize(
    ("rules", "line", "words"),
    [
        ('[[department]]\nname = "Sur admin"\nundertime = tru\n', 3, "not valid TOML"),
        ('[[department]]\nname = "Sur admin"\ngrace_minutes = -1\n', 3, "grace_minutes"),
        ('[[department]]\nname = "A"\n\n[[department]]\nname = "B"\nshift_start = "8 am"\n', 6, "shift_start"),
        ('[[department]]\nname = "A"\nregular_hours = "many"\n', 3, "regular_hours must be a number"),
        ('[[department]]\nname = "A"\nhalf_day_hours = 9\n', 3, "half_day_hours"),
        ('[[department]]\nname = "A"\nundertime = "yes"\n', 3, "undertime must be true or false"),
        ('[[department]]\nname = "A"\nlunch_minutes = 60\n', 3, "unknown key(s) lunch_minutes"),
        ("[[department]]\nundertime = true\n", 1, "name is missing"),
        ('[[department]]\nname = "A"\n[[department]]\nname = "A"\n', 4, "already defined on line 1"),
        ('[[department]]\nname = "A"\nhalf_day_after = "08:01"\n', 3, "half_day_after"),
        ('title = "rules"\n', 0, "unknown top-level key(s) title"),
        ('department = "Sur admin"\n', 0, "list of [[department]] tables"),
    ],
)
def test_bad_rules(tmp_path: Path, rules: str, line: int, words: str) -> None:
    expect_failure(timesheet(write(tmp_path, rules=rules)), "rules.toml", line, words)


def test_bad_zone(tmp_path: Path) -> None:
    result = timesheet(write(tmp_path), tz="Mars/Olympus_Mons")
    expect_failure(result, "--tz", 0, "unknown time zone")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (("--as-of", "yesterday"), "--as-of: unparsable time"),
        (("--as-of", "2026-01-27T08:00:00"), "needs a zone"),
        (("--auto-close-after", "30"), "at most 24 hours"),
        (("--auto-close-after", "nan"), "at most 24 hours"),
        (("--as-of", "9999-12-31T23:59:59-05:00"), "outside the calendar"),
    ],
)
def test_bad_options(tmp_path: Path, extra: tuple[str, ...], words: str) -> None:
    expect_failure(timesheet(write(tmp_path), *extra), "", 0, words)


def test_missing_file(tmp_path: Path) -> None:
    paths = write(tmp_path)
    paths["punches"] = tmp_path / "nowhere.csv"
    expect_failure(timesheet(paths), "nowhere.csv", 0, "file not found")


def test_missing_option(tmp_path: Path) -> None:
    paths = write(tmp_path)
    del paths["employees"]
    result = timesheet(paths)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "--employees" in result.stderr


def expect_failure(result: subprocess.CompletedProcess[str], file: str, line: int, words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert result.stdout == "", "a failed timesheet must print nothing on standard output"
    message = result.stderr.strip()
    assert file in message
    assert words in message
    if line:
        assert f"line {line}:" in message
    else:
        assert " line " not in message
    assert "Traceback" not in message
