"""Day summaries for timesheets: one row per employee per business day, from one derivation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import ArrivalAssessment, DepartmentRules, assess_arrival, overtime, rules_for
from kiosk.domain.sessions import AnomalyCode, Derivation, WorkSession


@dataclass(frozen=True, slots=True)
class EmployeeTerms:
    """What pay rules need to know about an employee: their department and daily rate."""

    department: str
    daily_rate: Decimal

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
    """Summarise each employee's business days, sorted by (employee, date).

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
