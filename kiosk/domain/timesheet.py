"""Timesheets: one row per employee per business day, from one derivation, and the CSV every side writes.

The kiosk (`kiosk.services.reports`, `main.py timesheet`) and head office (`central.reports`) read their facts
from different databases and hand them to `build_timesheet`, reading the same window around the period
(`Period.fact_window`); `write_timesheet_csv` writes the rows. Holding the same facts, they print the same CSV.
`employee_totals` adds the rows of each employee up for the period (`write_totals_csv`); the workbook of both sides
is `kiosk.domain.timesheet_workbook`. Pay periods (semi-monthly, monthly) are `Period`s too.
"""

from __future__ import annotations

import calendar
import csv
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO
from zoneinfo import ZoneInfo

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import (
    ArrivalAssessment,
    ArrivalStatus,
    DepartmentRules,
    assess_arrival,
    hours_decimal,
    money,
    overtime,
    rules_for,
)
from kiosk.domain.punches import Correction, Punch
from kiosk.domain.sessions import AnomalyCode, Derivation, SessionPolicy, WorkSession, derive

log = logging.getLogger(__name__)

LEAD_IN = timedelta(days=7)
"""Facts read before the first day of a period: a session's punches lie within 24 h of its clock-in, so a week
before the period is far more than any session of the period can reach back (duplicate taps, open sessions)."""

SEMI_MONTH_SPLIT = 15
"""The last day of the first half of a month in semi-monthly pay periods (1-15, 16-end)."""

LEAD_OUT = timedelta(days=2)
"""Facts read after the last day: a session that starts on the last day can end up to 24 h later."""

TIMESHEET_COLUMNS = (
    "employee_number",
    "first_name",
    "last_name",
    "business_date",
    "first_in",
    "last_out",
    "total_hours",
    "break_hours",
    "working_hours",
    "overtime_hours",
    "status",
    "late_minutes",
    "undertime_hours",
    "deduction",
    "anomalies",
)


class ReportsBlocked(RuleViolation):
    """Exports are refused while missed clock-outs are unresolved and the company asked for that."""

    def __init__(self, unresolved: int) -> None:
        noun = "incident" if unresolved == 1 else "incidents"
        super().__init__(
            "reports_blocked",
            f"timesheet export refused: {unresolved} unresolved missed clock-out {noun}. The company blocks reports "
            "while missed clock-outs are pending (block_reports_on_pending); resolve them in admin mode first.",
        )
        self.unresolved = unresolved


@dataclass(frozen=True, slots=True)
class Period:
    """Business days from `first` to `last`, both included; None leaves that end open."""

    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None and self.first > self.last:
            raise RuleViolation(
                "period_invalid", f"the period starts on {self.first} after it ends on {self.last}; swap the dates"
            )

    def contains(self, day: date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)

    def fact_window(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The instants between which the facts of the period's sessions lie, from `LEAD_IN` before its first
        local midnight to `LEAD_OUT` after its last; None where the period is open."""
        start = None if self.first is None else _local_midnight(self.first, zone) - LEAD_IN
        end = None if self.last is None else _local_midnight(self.last + timedelta(days=1), zone) + LEAD_OUT
        return start, end

    @classmethod
    def month_of(cls, day: date) -> Period:
        """The calendar month holding `day`: the monthly pay period."""
        return cls(day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))

    @classmethod
    def semi_month_of(cls, day: date) -> Period:
        """The half month holding `day`: the 1st to the 15th, or the 16th to the month's last day (the
        semi-monthly pay period)."""
        if day.day <= SEMI_MONTH_SPLIT:
            return cls(day.replace(day=1), day.replace(day=SEMI_MONTH_SPLIT))
        return cls(day.replace(day=SEMI_MONTH_SPLIT + 1), cls.month_of(day).last)

    @classmethod
    def pay_period(cls, kind: str, day: date) -> Period:
        """The pay period of `kind` (`monthly` or `semi-monthly`) holding `day`.

        Raises:
            RuleViolation: `period_kind_invalid` naming the kinds there are.
        """
        if kind == "monthly":
            return cls.month_of(day)
        if kind == "semi-monthly":
            return cls.semi_month_of(day)
        raise RuleViolation("period_kind_invalid", f"unknown pay period {kind!r}; choose monthly or semi-monthly")

    @property
    def title(self) -> str:
        """The period as people read it, short enough for a spreadsheet's sheet name (31 characters with a
        7-character prefix) and safe in a file name: `2026-11-01 to 2026-11-15`."""
        first = self.first.isoformat() if self.first else "start"
        last = self.last.isoformat() if self.last else "today"
        return f"{first} to {last}"

    @classmethod
    def parse(cls, first: str | None, last: str | None) -> Period:
        """A period from `YYYY-MM-DD` texts (either may be None).

        Raises:
            RuleViolation: `date_invalid` naming the text, or `period_invalid` when it ends before it starts.
        """
        return cls(parse_day(first, "--from"), parse_day(last, "--to"))


def parse_day(text: str | None, option: str) -> date | None:
    """A business day from `YYYY-MM-DD` (None stays None).

    Raises:
        RuleViolation: `date_invalid` naming the option and the text.
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RuleViolation("date_invalid", f"{option}: {text!r} is not a date such as 2026-11-01") from None


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True, slots=True)
class EmployeeTerms:
    """What pay rules need to know about an employee (their department and daily rate), and what payroll reads to
    know who it is: the employee number and name, never the internal id facts carry."""

    department: str
    daily_rate: Decimal
    number: str = field(kw_only=True)
    first_name: str = field(kw_only=True)
    last_name: str = field(kw_only=True)

    def __post_init__(self) -> None:
        rate = self.daily_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
            raise RuleViolation("rate_invalid", f"the daily rate must be an amount of at least 0, not {rate!r}")


@dataclass(frozen=True, slots=True)
class DaySummary:
    """One employee's business day.

    `first_in` and `last_out` are local times in the site's zone; `last_out` is None while a session of the day is
    open (and both are None on a day that only has anomalies, such as a clock-out with nothing open). Totals count
    closed sessions only: an open session has no end to count to.
    """

    employee_id: str
    employee_number: str
    first_name: str
    last_name: str
    business_date: date
    first_in: datetime | None
    last_out: datetime | None
    total: timedelta
    breaks: timedelta
    working: timedelta
    overtime: timedelta
    arrival: ArrivalAssessment | None
    anomalies: tuple[AnomalyCode, ...]


def summarise_days(
    derivation: Derivation,
    terms_by_employee: Mapping[str, EmployeeTerms],
    rules_by_name: Mapping[str, DepartmentRules],
    tz: ZoneInfo,
) -> list[DaySummary]:
    """Summarise each employee's business days, sorted by (employee number, date).

    A session counts on the business day of its clock-in. Anomalies that concern no session (a break or clock-out
    with nothing open) are listed on the local day they happened, so none is lost.

    Raises:
        RuleViolation: `unknown_employee` when a punch belongs to an employee without terms.
    """
    days: dict[tuple[str, date], list[WorkSession]] = {}
    for session in derivation.sessions:
        days.setdefault((session.employee_id, session.business_date), []).append(session)
    stray: dict[tuple[str, date], set[AnomalyCode]] = {}
    for anomaly in derivation.anomalies:
        if anomaly.session_punch_id is None:
            key = (anomaly.employee_id, anomaly.at.astimezone(tz).date())
            stray.setdefault(key, set()).add(anomaly.code)
            days.setdefault(key, [])
    summaries: list[DaySummary] = []
    rules_of_department: dict[str, DepartmentRules] = {}
    for key in sorted(days):
        employee_id, day = key
        terms = terms_by_employee.get(employee_id)
        if terms is None:
            raise RuleViolation("unknown_employee", f"employee {employee_id!r} has punches but is not on the roster")
        rules = rules_of_department.get(terms.department)
        if rules is None:
            rules = rules_of_department[terms.department] = rules_for(terms.department, rules_by_name)
        summaries.append(
            _summarise(employee_id, day, days[key], stray=stray.get(key, set()), terms=terms, rules=rules, tz=tz)
        )
    summaries.sort(key=lambda summary: (summary.employee_number, summary.employee_id, summary.business_date))
    return summaries


def _summarise(
    employee_id: str,
    day: date,
    sessions: list[WorkSession],
    *,
    stray: set[AnomalyCode],
    terms: EmployeeTerms,
    rules: DepartmentRules,
    tz: ZoneInfo,
) -> DaySummary:
    codes = set(stray)
    total = breaks = timedelta(0)
    for session in sessions:
        codes.update(session.anomalies)
        if not session.is_open:
            total += session.total_time()
            breaks += session.break_time()
    working = total - breaks
    first_in = min(session.clock_in for session in sessions).astimezone(tz) if sessions else None
    any_open = any(session.is_open for session in sessions)
    last_out = None
    if sessions and not any_open:
        last_out = max(session.clock_out for session in sessions if session.clock_out is not None).astimezone(tz)
    arrival = assess_arrival(first_in, rules, terms.daily_rate) if first_in is not None else None
    return DaySummary(
        employee_id=employee_id,
        employee_number=terms.number,
        first_name=terms.first_name,
        last_name=terms.last_name,
        business_date=day,
        first_in=first_in,
        last_out=last_out,
        total=total,
        breaks=breaks,
        working=working,
        overtime=overtime(working, rules),
        arrival=arrival,
        anomalies=tuple(sorted(codes)),
    )


def build_timesheet(
    punches: Iterable[Punch],
    corrections: Iterable[Correction],
    terms_by_employee: Mapping[str, EmployeeTerms],
    rules_by_name: Mapping[str, DepartmentRules],
    *,
    tz: ZoneInfo,
    policy: SessionPolicy,
    as_of: datetime,
) -> list[DaySummary]:
    """Derive sessions from the facts and summarise each employee's business days, sorted by employee number and
    date."""
    derivation = derive(punches, corrections, tz=tz, policy=policy, as_of=as_of)
    log.debug("derived %d sessions and %d anomalies", len(derivation.sessions), len(derivation.anomalies))
    return summarise_days(derivation, terms_by_employee, rules_by_name, tz)


def timesheet_row(summary: DaySummary) -> list[str]:
    """One CSV row: who (employee number and name), local times in ISO 8601 with offset to the second, hours to 4
    decimals, the deduction to 2. The internal id stays out: payroll knows people by their number."""
    arrival = summary.arrival
    return [
        summary.employee_number,
        summary.first_name,
        summary.last_name,
        summary.business_date.isoformat(),
        summary.first_in.isoformat(timespec="seconds") if summary.first_in is not None else "",
        summary.last_out.isoformat(timespec="seconds") if summary.last_out is not None else "",
        str(hours_decimal(summary.total)),
        str(hours_decimal(summary.breaks)),
        str(hours_decimal(summary.working)),
        str(hours_decimal(summary.overtime)),
        arrival.status.value if arrival is not None else "",
        str(arrival.late_minutes) if arrival is not None else "0",
        str(arrival.undertime_hours) if arrival is not None else "0.0000",
        str(arrival.deduction) if arrival is not None else str(money(0)),
        ";".join(code.value for code in summary.anomalies),
    ]


Cell = str | int | Decimal | date | datetime | None


def timesheet_cells(summary: DaySummary) -> list[Cell]:
    """The row of `timesheet_row` as typed values for a spreadsheet: local times without their offset (spreadsheets
    have no time zones) and to the second, hours and money as Decimal, counts as int; empty cells as None."""
    arrival = summary.arrival

    def clock(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.replace(tzinfo=None, microsecond=0)

    return [
        summary.employee_number,
        summary.first_name,
        summary.last_name,
        summary.business_date,
        clock(summary.first_in),
        clock(summary.last_out),
        hours_decimal(summary.total),
        hours_decimal(summary.breaks),
        hours_decimal(summary.working),
        hours_decimal(summary.overtime),
        arrival.status.value if arrival is not None else None,
        arrival.late_minutes if arrival is not None else 0,
        arrival.undertime_hours if arrival is not None else Decimal("0.0000"),
        arrival.deduction if arrival is not None else money(0),
        ";".join(code.value for code in summary.anomalies) or None,
    ]


def write_timesheet_csv(summaries: Iterable[DaySummary], out: TextIO) -> None:
    """Write the header and one row per summary."""
    for _summary in timesheet_csv_passing(summaries, out):
        pass


def timesheet_csv_passing(summaries: Iterable[DaySummary], out: TextIO) -> Iterator[DaySummary]:
    """Write the CSV of `write_timesheet_csv` row by row as the summaries pass on, so one pass over a streamed
    report fills the CSV and the workbook at once (the header goes out with the first request)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TIMESHEET_COLUMNS)
    for summary in summaries:
        writer.writerow(timesheet_row(summary))
        yield summary


TOTALS_COLUMNS = (
    "employee_number",
    "first_name",
    "last_name",
    "days",
    "total_hours",
    "break_hours",
    "working_hours",
    "overtime_hours",
    "late_days",
    "late_minutes",
    "half_days",
    "undertime_hours",
    "deduction",
    "anomalies",
)


@dataclass(frozen=True, slots=True)
class EmployeeTotals:
    """One employee's period: the sums of their day rows.

    Durations are summed exactly and rounded once when written; undertime hours and deductions are the sums of the
    day rows' rounded values, so that the totals equal what payroll adds up from the rows. `anomalies` counts the
    anomaly codes of all days (a day with two codes counts two).
    """

    employee_id: str
    employee_number: str
    first_name: str
    last_name: str
    days: int
    total: timedelta
    breaks: timedelta
    working: timedelta
    overtime: timedelta
    late_days: int
    late_minutes: int
    half_days: int
    undertime_hours: Decimal
    deduction: Decimal
    anomalies: int


def _add_day(totals: EmployeeTotals | None, day: DaySummary) -> EmployeeTotals:
    arrival = day.arrival
    late = arrival is not None and arrival.status is ArrivalStatus.LATE
    half = arrival is not None and arrival.status is ArrivalStatus.HALF_DAY
    if totals is None:
        totals = EmployeeTotals(
            day.employee_id,
            day.employee_number,
            day.first_name,
            day.last_name,
            0,
            timedelta(0),
            timedelta(0),
            timedelta(0),
            timedelta(0),
            0,
            0,
            0,
            Decimal("0.0000"),
            money(0),
            0,
        )
    return EmployeeTotals(
        totals.employee_id,
        totals.employee_number,
        totals.first_name,
        totals.last_name,
        totals.days + (1 if day.first_in is not None else 0),
        totals.total + day.total,
        totals.breaks + day.breaks,
        totals.working + day.working,
        totals.overtime + day.overtime,
        totals.late_days + int(late),
        totals.late_minutes + (arrival.late_minutes if arrival is not None else 0),
        totals.half_days + int(half),
        totals.undertime_hours + (arrival.undertime_hours if arrival is not None else Decimal(0)),
        totals.deduction + (arrival.deduction if arrival is not None else Decimal(0)),
        totals.anomalies + len(day.anomalies),
    )


class TotalsAccumulator:
    """Adds day rows, sorted by employee as `build_timesheet` gives them, into each employee's totals, one row at a
    time: what a streamed report keeps in memory is one employee's sums."""

    def __init__(self) -> None:
        self._current: EmployeeTotals | None = None

    def add(self, day: DaySummary) -> EmployeeTotals | None:
        """Count `day`; returns the finished totals of the previous employee when `day` is another employee's."""
        finished = None
        if self._current is not None and self._current.employee_id != day.employee_id:
            finished, self._current = self._current, None
        self._current = _add_day(self._current, day)
        return finished

    def finish(self) -> EmployeeTotals | None:
        """The last employee's totals (None when no row was added)."""
        finished, self._current = self._current, None
        return finished


def employee_totals(summaries: Iterable[DaySummary]) -> Iterator[EmployeeTotals]:
    """Each employee's totals over `summaries` (sorted by employee, as `build_timesheet` returns them)."""
    accumulator = TotalsAccumulator()
    for summary in summaries:
        finished = accumulator.add(summary)
        if finished is not None:
            yield finished
    last = accumulator.finish()
    if last is not None:
        yield last


def totals_row(totals: EmployeeTotals) -> list[str]:
    """One CSV row of `TOTALS_COLUMNS`: hours to 4 decimals, the deduction to 2, as the day rows."""
    return [
        totals.employee_number,
        totals.first_name,
        totals.last_name,
        str(totals.days),
        str(hours_decimal(totals.total)),
        str(hours_decimal(totals.breaks)),
        str(hours_decimal(totals.working)),
        str(hours_decimal(totals.overtime)),
        str(totals.late_days),
        str(totals.late_minutes),
        str(totals.half_days),
        str(totals.undertime_hours),
        str(totals.deduction),
        str(totals.anomalies),
    ]


def totals_cells(totals: EmployeeTotals) -> list[Cell]:
    """The row of `totals_row` as typed spreadsheet values."""
    return [
        totals.employee_number,
        totals.first_name,
        totals.last_name,
        totals.days,
        hours_decimal(totals.total),
        hours_decimal(totals.breaks),
        hours_decimal(totals.working),
        hours_decimal(totals.overtime),
        totals.late_days,
        totals.late_minutes,
        totals.half_days,
        totals.undertime_hours,
        totals.deduction,
        totals.anomalies,
    ]


def write_totals_csv(summaries: Iterable[DaySummary], out: TextIO) -> None:
    """Write the header and one row of totals per employee of `summaries` (sorted by employee)."""
    for _summary in totals_csv_passing(summaries, out):
        pass


def totals_csv_passing(summaries: Iterable[DaySummary], out: TextIO) -> Iterator[DaySummary]:
    """Write the totals CSV of `write_totals_csv` as the summaries pass on (each employee's row once their last day
    has passed)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TOTALS_COLUMNS)
    accumulator = TotalsAccumulator()
    for summary in summaries:
        finished = accumulator.add(summary)
        if finished is not None:
            writer.writerow(totals_row(finished))
        yield summary
    last = accumulator.finish()
    if last is not None:
        writer.writerow(totals_row(last))
