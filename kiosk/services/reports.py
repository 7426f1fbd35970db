"""Timesheets from this kiosk's own database: the company's employees and rule sets, the site's time zone.

The rows are computed by the same `build_timesheet` and written by the same `write_timesheet_csv` as the file-based
`timesheet` command, so a period exported from the admin screen, from the command line on the database, or from
exported CSV files gives the same report. The company's `block_reports_on_pending` setting makes every export refuse
while missed clock-outs wait for a decision.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.domain.errors import RuleViolation
from kiosk.domain.timesheet import DaySummary, EmployeeTerms
from kiosk.services.missed_clockouts import UNRESOLVED
from kiosk.services.timeclock import TimeClock
from kiosk.services.timesheet_command import build_timesheet, write_timesheet_csv
from kiosk.store import repository
from kiosk.store.database import Database

log = logging.getLogger(__name__)

LEAD_IN = timedelta(days=7)
"""Facts read before the first day of a period: a session's punches lie within 24 h of its clock-in, so a week
before the period is far more than any session of the period can reach back (duplicate taps, open sessions)."""

LEAD_OUT = timedelta(days=2)
"""Facts read after the last day: a session that starts on the last day can end up to 24 h later."""


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


class Reports:
    """Timesheet exports of this kiosk's company, from the local database."""

    def __init__(self, database: Database, time_clock: TimeClock) -> None:
        self._db = database
        self._clock = time_clock

    def timesheet(
        self, period: Period, *, tz: ZoneInfo | None = None, as_of: datetime | None = None
    ) -> list[DaySummary]:
        """Day summaries of every employee for the business days of `period`, sorted by employee and date.

        Args:
            period: the business days to report (local dates of the clock-ins).
            tz: the zone to report in; the site's zone by default.
            as_of: the moment the report describes (decides how old open sessions are); now by default.

        Raises:
            ReportsBlocked: the company blocks reports while missed clock-outs are unresolved, and some are.
        """
        as_of = self._clock.now() if as_of is None else as_of
        with self._db.read() as session:
            company = self._clock.company(session)
            if company.block_reports_on_pending:
                unresolved = repository.count_incidents(session, company.id, UNRESOLVED)
                if unresolved:
                    raise ReportsBlocked(unresolved)
            zone = tz if tz is not None else self._clock.zone(session)
            start = None if period.first is None else _local_midnight(period.first, zone) - LEAD_IN
            end = None if period.last is None else _local_midnight(period.last + timedelta(days=1), zone) + LEAD_OUT
            punches = repository.all_punches(session, company.id, start, end)
            known = {punch.id for punch in punches}
            # A correction of a punch outside the window would only be reported as pointing at nothing.
            corrections = [c for c in repository.all_corrections(session, company.id) if c.target_punch_id in known]
            terms = {
                employee.id: EmployeeTerms(employee.department or "", employee.daily_rate)
                for employee in repository.employees(session, company.id)
            }
            rules = repository.department_rules(session, company.id)
            policy = self._clock.missed_clockout_settings(session).session_policy()
        summaries = build_timesheet(punches, corrections, terms, rules, tz=zone, policy=policy, as_of=as_of)
        found = [summary for summary in summaries if period.contains(summary.business_date)]
        log.info("timesheet of %s: %d rows from %d punches", period, len(found), len(punches))
        return found

    def timesheet_csv(self, period: Period, *, tz: ZoneInfo | None = None, as_of: datetime | None = None) -> str:
        """The timesheet of `period` as CSV text, exactly as `python main.py timesheet` prints it.

        Raises:
            ReportsBlocked: see `timesheet`.
        """
        out = io.StringIO()
        write_timesheet_csv(self.timesheet(period, tz=tz, as_of=as_of), out)
        return out.getvalue()


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
