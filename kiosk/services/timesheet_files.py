"""Reading the timesheet command's input files: punches and employees (CSV) and department rules (TOML).

Every problem is reported as an `InputFileError` naming the file and the line, and nothing is computed from a file
that has one, so a bad file never produces a partial timesheet.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import uuid
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.punches import BreakType, Punch, parse_break_type, parse_punch_kind
from kiosk.domain.timesheet import EmployeeTerms

PUNCH_COLUMNS = ("punch_id", "employee_id", "kind", "break_type", "occurred_at")
EMPLOYEE_COLUMNS = ("employee_id", "first_name", "last_name", "department", "daily_rate")
RULE_KEYS = ("name", "undertime", "shift_start", "grace_minutes", "half_day_after", "half_day_hours", "regular_hours")

EARLIEST_YEAR, LATEST_YEAR = 1970, 2200  # a punch outside these years is a typo, not history

PUNCH_ID_NAMESPACE = uuid.UUID("6f0d3a52-94c1-4b8e-9d2a-1c7e5b3f8a10")
"""Punch ids in a file need not be UUIDs; other ids are turned into stable UUIDs in this namespace."""


class InputFileError(RuleViolation):
    """A problem in an input file, located by file and line (line 0 when it concerns the whole file)."""

    def __init__(self, path: Path, line: int, message: str, code: str = "input_invalid") -> None:
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(code, f"{where}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True)
class EmployeeRecord:
    """One row of the employees file."""

    employee_id: str
    first_name: str
    last_name: str
    terms: EmployeeTerms


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(path, 0, "file not found", "file_missing") from None
    except UnicodeDecodeError:
        raise InputFileError(path, 0, "not UTF-8 text", "file_unreadable") from None
    except OSError as error:
        raise InputFileError(path, 0, f"cannot read the file ({error.strerror})", "file_unreadable") from None


def _csv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with the given columns (more are allowed), as (line number, stripped values)."""
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InputFileError(path, 0, f"the file is empty; expected the columns {','.join(columns)}") from None
    except csv.Error as error:
        raise InputFileError(path, reader.line_num, f"malformed CSV ({error})") from None
    missing = [name for name in columns if name not in header]
    if missing:
        raise InputFileError(path, 1, f"missing column(s) {', '.join(missing)}; expected {','.join(columns)}")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputFileError(path, 1, f"column(s) {', '.join(repeated)} appear more than once")
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InputFileError(path, reader.line_num, f"malformed CSV ({error})") from None
        if not values or all(not value.strip() for value in values):
            continue
        if len(values) != len(header):
            raise InputFileError(path, reader.line_num, f"expected {len(header)} fields, found {len(values)}")
        yield reader.line_num, {name: value.strip() for name, value in zip(header, values, strict=True)}


def _punch_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(PUNCH_ID_NAMESPACE, text)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RuleViolation(
            "time_invalid", f"unparsable time {text!r}; use ISO 8601 such as 2026-01-27T08:00:00Z"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation("time_invalid", f"the time {text!r} has no zone; end it with Z or an offset such as +08:00")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise RuleViolation("time_invalid", f"the time {text!r} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return moment


def read_punches(path: Path, known_employees: Container[str]) -> list[Punch]:
    """Read `punch_id,employee_id,kind,break_type,occurred_at` rows.

    Raises:
        InputFileError: a missing column, an unknown kind or employee, an unparsable time, a bad or misplaced break
            type, or one punch id used for two different punches.
    """
    punches: dict[uuid.UUID, tuple[int, Punch]] = {}
    for line, row in _csv_rows(path, PUNCH_COLUMNS):
        try:
            if not row["punch_id"]:
                raise RuleViolation("punch_id_missing", "punch_id is empty")
            employee_id = row["employee_id"]
            if not employee_id:
                raise RuleViolation("employee_missing", "employee_id is empty")
            if employee_id not in known_employees:
                raise RuleViolation("unknown_employee", f"unknown employee {employee_id!r} (not in the employees file)")
            kind = parse_punch_kind(row["kind"])
            break_type: BreakType | None = None
            if row["break_type"]:
                break_type = parse_break_type(row["break_type"])
            punch = Punch(_punch_id(row["punch_id"]), employee_id, kind, _instant(row["occurred_at"]), break_type)
        except RuleViolation as problem:
            raise InputFileError(path, line, problem.message, problem.code) from None
        held = punches.get(punch.id)
        if held is not None and held[1] != punch:
            raise InputFileError(
                path, line, f"punch_id {row['punch_id']!r} is already used on line {held[0]} for another punch"
            )
        punches.setdefault(punch.id, (line, punch))
    return [punch for _line, punch in punches.values()]


def read_employees(path: Path) -> dict[str, EmployeeRecord]:
    """Read `employee_id,first_name,last_name,department,daily_rate` rows, keyed by employee id.

    Raises:
        InputFileError: a missing column, an empty or repeated employee id, or a daily rate that is not an amount of
            at least 0.
    """
    employees: dict[str, tuple[int, EmployeeRecord]] = {}
    for line, row in _csv_rows(path, EMPLOYEE_COLUMNS):
        employee_id = row["employee_id"]
        if not employee_id:
            raise InputFileError(path, line, "employee_id is empty")
        if employee_id in employees:
            raise InputFileError(
                path, line, f"employee {employee_id!r} is already listed on line {employees[employee_id][0]}"
            )
        try:
            rate = Decimal(row["daily_rate"])
        except InvalidOperation:
            raise InputFileError(path, line, f"daily_rate {row['daily_rate']!r} is not an amount") from None
        try:
            # The files know people by the id payroll gave them: it is their employee number.
            terms = EmployeeTerms(
                row["department"],
                rate,
                number=employee_id,
                first_name=row["first_name"],
                last_name=row["last_name"],
            )
        except RuleViolation as problem:
            raise InputFileError(path, line, problem.message, problem.code) from None
        employees[employee_id] = (line, EmployeeRecord(employee_id, row["first_name"], row["last_name"], terms))
    return {employee_id: record for employee_id, (_line, record) in employees.items()}


def terms_of(employees: Mapping[str, EmployeeRecord]) -> dict[str, EmployeeTerms]:
    """The pay terms of each employee, as the day summaries need them."""
    return {employee_id: record.terms for employee_id, record in employees.items()}


_TABLE_HEADER = re.compile(r"^\s*\[\[\s*department\s*\]\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _key_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each `[[department]]` header: its line and the lines of the keys in its table (for error messages)."""
    tables: list[tuple[int, dict[str, int]]] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _TABLE_HEADER.match(line):
            tables.append((number, {}))
            inside = True
        elif line.lstrip().startswith("["):
            inside = False  # another table: its keys belong to no department
        elif inside and (match := _KEY.match(line)):
            tables[-1][1].setdefault(match.group(1), number)
    return tables


def _problem_key(message: str) -> str:
    """The rule key a message is about: the first one it names after the department's name."""
    about = message.split(": ", 1)[1] if message.startswith("department ") else message
    found = [(about.find(key), key) for key in RULE_KEYS if re.search(rf"\b{key}\b", about)]
    return min(found)[1] if found else ""


def _time_of_day(value: Any, key: str) -> time:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        try:
            return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        except ValueError:
            pass
    raise RuleViolation("rule_invalid", f'{key} must be a time of day such as "08:00", not {value!r}')


def _number(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleViolation("rule_invalid", f"{key} must be a number, not {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleViolation("rule_invalid", f"{key} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise RuleViolation("rule_invalid", f"{key} must be a finite number")
    return number


def _department(table: Mapping[str, Any]) -> DepartmentRules:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleViolation("rule_invalid", "name is missing or empty")
    undertime = table.get("undertime", False)
    if not isinstance(undertime, bool):
        raise RuleViolation("rule_invalid", f"undertime must be true or false, not {undertime!r}")
    grace = table.get("grace_minutes", 3)
    if isinstance(grace, bool) or not isinstance(grace, int):
        raise RuleViolation("rule_invalid", f"grace_minutes must be a whole number, not {grace!r}")
    return DepartmentRules(
        name=name.strip(),
        undertime=undertime,
        shift_start=_time_of_day(table.get("shift_start", "08:00"), "shift_start"),
        grace_minutes=grace,
        half_day_after=_time_of_day(table.get("half_day_after", "09:00"), "half_day_after"),
        half_day_hours=_number(table.get("half_day_hours", 4), "half_day_hours"),
        regular_hours=_number(table.get("regular_hours", 8), "regular_hours"),
    )


def read_rules(path: Path) -> dict[str, DepartmentRules]:
    """Read `[[department]]` tables; keys other than the name are optional and default to seed 002's values.

    Raises:
        InputFileError: invalid TOML, an unknown key, a value of the wrong kind or out of bounds, or a department
            listed twice.
    """
    text = _read_text(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        raise InputFileError(path, int(found.group(1)) if found else 0, f"not valid TOML ({error})") from None
    extra = sorted(set(document) - {"department"})
    if extra:
        raise InputFileError(path, 0, f"unknown top-level key(s) {', '.join(extra)}; expected [[department]] tables")
    tables = document.get("department", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise InputFileError(path, 0, "department must be a list of [[department]] tables")
    positions = _key_lines(text)
    rules: dict[str, tuple[int, DepartmentRules]] = {}
    for index, table in enumerate(tables):
        header, keys = positions[index] if index < len(positions) else (0, {})
        unknown = sorted(set(table) - set(RULE_KEYS), key=lambda key: keys.get(key, 0))
        if unknown:
            message = f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(RULE_KEYS)}"
            raise InputFileError(path, keys.get(unknown[0], header), message)
        try:
            department = _department(table)
        except RuleViolation as problem:
            line = keys.get(_problem_key(problem.message), header)
            raise InputFileError(path, line, problem.message, problem.code) from None
        if department.name in rules:
            first = rules[department.name][0]
            message = f"department {department.name!r} is already defined on line {first}"
            raise InputFileError(path, keys.get("name", header), message)
        rules[department.name] = (header, department)
    return {name: department for name, (_line, department) in rules.items()}
