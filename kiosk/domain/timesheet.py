"""Timesheets: one row per employee per business day, from one derivation, and the CSV every side writes.

The kiosk (`kiosk.services.reports`, `main.py timesheet`) and head office (`central.reports`) read their facts
from different databases and hand them to `build_timesheet`, reading the same window around the period
(`Period.fact_window`); `write_timesheet_csv` writes the rows. Holding the same facts, they print the same CSV.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO
from zoneinfo import ZoneInfo

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import (
    ArrivalAssessment,
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
    def parse(cls, first: str | None, last: str | None) -> Period:
        """A period from `YYYY-MM-DD` texts (either may be None).

        Raises:
            RuleViolation: `date_invalid` naming the text, or `period_invalid` when it ends before it starts.
        """
        return cls(_day(first, "--from"), _day(last, "--to"))


def _day(text: str | None, option: str) -> date | None:
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
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TIMESHEET_COLUMNS)
    writer.writerows(timesheet_row(summary) for summary in summaries)
