"""Timesheets from this kiosk's own database: the company's employees and rule sets, the site's time zone.

The rows are computed by the same `build_timesheet` and written by the same `write_timesheet_csv` as the file-based
`timesheet` command, so a period exported from the admin screen, from the command line on the database, or from
exported CSV files gives the same report. The company's `block_reports_on_pending` setting makes every export refuse
while missed clock-outs wait for a decision.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.domain.incidents import UNRESOLVED
from kiosk.domain.timesheet import (
    DaySummary,
    EmployeeTerms,
    Period,
    ReportsBlocked,
    build_timesheet,
    write_timesheet_csv,
)
from kiosk.services.timeclock import TimeClock
from kiosk.store import repository
from kiosk.store.database import Database

log = logging.getLogger(__name__)


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
            start, end = period.fact_window(zone)
            punches = repository.all_punches(session, company.id, start, end)
            known = {punch.id for punch in punches}
            # A correction of a punch outside the window would only be reported as pointing at nothing.
            corrections = [c for c in repository.all_corrections(session, company.id) if c.target_punch_id in known]
            terms = {
                employee.id: EmployeeTerms(
                    employee.department or "",
                    employee.daily_rate,
                    number=employee.number,
                    first_name=employee.first_name,
                    last_name=employee.last_name,
                )
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
