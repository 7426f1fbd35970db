"""Timesheets at head office, from the central facts, by the same code the kiosks use.

The punches (whose time is the server-anchored one wherever the kiosk had synced), the corrections (including
those of resolved missed clock-outs), the roster and rule sets are read from the central database and handed to the
domain's `build_timesheet` and `write_timesheet_csv`, with the same reading window and the same report blocking
as the kiosk's `kiosk.services.reports`. A kiosk and head office holding the same facts therefore print the same CSV,
and write the same workbook (`kiosk.domain.timesheet_workbook`).

A company's report is streamed: employees are read in batches (`BATCH_EMPLOYEES`, in employee-number order), and
each batch's facts are derived and written before the next is read. Sessions never cross employees, so a batch
derives exactly what the whole company would, and what is in memory is one batch, whatever the company's size.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping, select

from central.incidents import pending_count
from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import MissedClockoutSettings
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.sessions import SessionPolicy
from kiosk.domain.timesheet import (
    DaySummary,
    EmployeeTerms,
    Period,
    ReportsBlocked,
    build_timesheet,
    timesheet_csv_passing,
    totals_csv_passing,
)
from kiosk.domain.timesheet_workbook import write_timesheet_workbook
from wire.records import correction_from_row, department_rules_from_row, punch_from_row
from wire.schema import companies, corrections, departments, employees, punches, rule_sets, sites

log = logging.getLogger(__name__)

BATCH_EMPLOYEES = 500
"""Employees derived together: a month of 500 people's punches is a few tens of thousands of rows."""


def _zone(connection: Connection, company_id: str, site_code: str | None) -> tuple[ZoneInfo, str | None]:
    """The time zone of the company's sites (or of the one with `site_code`) and that site's internal id."""
    query = select(sites.c.id, sites.c.timezone).where(sites.c.company_id == company_id)
    if site_code is not None:
        query = query.where(sites.c.code == site_code)
    found = connection.execute(query).all()
    if not found:
        where = f"site {site_code!r} of company {company_id!r}" if site_code else f"a site of company {company_id!r}"
        raise RuleViolation("unknown_site", f"there is no {where}")
    zones = {row.timezone for row in found}
    if len(zones) > 1:
        raise RuleViolation(
            "several_time_zones",
            f"company {company_id!r} has sites in {', '.join(sorted(zones))}: choose one with --site",
        )
    return ZoneInfo(zones.pop()), found[0].id if site_code is not None else None


@dataclass(frozen=True, slots=True)
class TimesheetScope:
    """Whose timesheet: a company, optionally one of its sites (by code) and one of its departments (by code)."""

    company_id: str
    site_code: str | None = None
    department_code: str | None = None


def report_zone(connection: Connection, scope: TimesheetScope) -> ZoneInfo:
    """The time zone the scope's timesheet is computed in (its site's, or the one all the company's sites share).

    Raises:
        RuleViolation: unknown company or site, several time zones without a site.
    """
    company_row(connection, scope.company_id)
    return _zone(connection, scope.company_id, scope.site_code)[0]


def company_row(connection: Connection, company_id: str) -> RowMapping:
    """The company's row.

    Raises:
        RuleViolation: `unknown_company`.
    """
    company = connection.execute(select(companies).where(companies.c.id == company_id)).mappings().first()
    if company is None:
        raise RuleViolation("unknown_company", f"no company {company_id!r} in the central database")
    return company


def central_timesheet(
    connection: Connection,
    company_id: str,
    period: Period,
    *,
    site_code: str | None = None,
    department_code: str | None = None,
    as_of: datetime,
    batch_employees: int = BATCH_EMPLOYEES,
) -> Iterator[DaySummary]:
    """Day summaries of a company's employees (at the site with `site_code`, or all sites sharing one time zone; of
    the department with `department_code`, or all), sorted by employee number and date, streamed batch by batch.

    Everything is checked before the first row comes, so an error never follows rows already written.

    Raises:
        RuleViolation: unknown company, site or department, several time zones without a site.
        ReportsBlocked: the company blocks reports while missed clock-outs are unresolved, and some are.
    """
    company = company_row(connection, company_id)
    if company["block_reports_on_pending"]:
        unresolved = pending_count(connection, company_id=company_id)
        if unresolved:
            raise ReportsBlocked(unresolved)
    zone, site_id = _zone(connection, company_id, site_code)
    names = {
        row.id: row.name
        for row in connection.execute(
            select(departments.c.id, departments.c.name).where(departments.c.company_id == company_id)
        )
    }
    department_id = None
    if department_code is not None:
        department_id = connection.scalar(
            select(departments.c.id).where(
                departments.c.company_id == company_id, departments.c.code == department_code
            )
        )
        if department_id is None:
            raise RuleViolation("unknown_department", f"there is no department {department_code!r} of {company_id!r}")
    rules = {
        names[row["department_id"]]: department_rules_from_row(row, names[row["department_id"]])
        for row in connection.execute(select(rule_sets).where(rule_sets.c.company_id == company_id)).mappings()
    }
    settings = MissedClockoutSettings(
        missed_clockout_enabled=company["missed_clockout_enabled"],
        block_reports_on_pending=company["block_reports_on_pending"],
        open_session_limit=timedelta(minutes=company["open_session_limit_minutes"]),
    )
    roster = select(employees).where(employees.c.company_id == company_id)
    if department_id is not None:
        roster = roster.where(employees.c.department_id == department_id)
    # Byte order ("C") is Python's order of the ASCII employee numbers, so batches follow the domain's sort.
    roster = roster.order_by(employees.c.number.collate("C"), employees.c.id)
    reading = _Reading(
        company_id, names, rules, site_id, period.fact_window(zone), zone, settings.session_policy(), as_of
    )

    def batches() -> Iterator[list[RowMapping]]:
        batch: list[RowMapping] = []
        # Rows of the roster come in pages, so neither side holds the whole company at once.
        for row in connection.execute(roster.execution_options(yield_per=batch_employees)).mappings():
            batch.append(row)
            if len(batch) == batch_employees:
                yield batch
                batch = []
        if batch:
            yield batch

    def summaries() -> Iterator[DaySummary]:
        rows = people = 0
        for batch in batches():
            for summary in reading.timesheet(connection, batch):
                if period.contains(summary.business_date):
                    rows += 1
                    yield summary
            people += len(batch)
        log.info("central timesheet of %s %s: %d rows for %d employees", company_id, period, rows, people)

    return summaries()


@dataclass(frozen=True, slots=True)
class _Reading:
    """What every batch of one report shares."""

    company_id: str
    department_names: dict[str, str]
    rules: dict[str, DepartmentRules]
    site_id: str | None
    window: tuple[datetime | None, datetime | None]
    zone: ZoneInfo
    policy: SessionPolicy
    as_of: datetime

    def timesheet(self, connection: Connection, batch: list[RowMapping]) -> list[DaySummary]:
        """The day summaries of the batch's employees."""
        ids = [row["id"] for row in batch]
        query = select(punches).where(punches.c.company_id == self.company_id, punches.c.employee_id.in_(ids))
        if self.site_id is not None:
            query = query.where(punches.c.site_id == self.site_id)
        start, end = self.window
        if start is not None:
            query = query.where(punches.c.occurred_at >= start)
        if end is not None:
            query = query.where(punches.c.occurred_at < end)
        facts = [punch_from_row(row) for row in connection.execute(query).mappings()]
        known = {punch.id for punch in facts}
        fixes = [
            correction_from_row(row)
            for row in connection.execute(
                select(corrections).where(
                    corrections.c.company_id == self.company_id, corrections.c.employee_id.in_(ids)
                )
            ).mappings()
            if row["target_punch_id"] in known
        ]
        terms = {
            row["id"]: EmployeeTerms(
                self.department_names.get(row["department_id"], ""),
                row["daily_rate"],
                number=row["number"],
                first_name=row["first_name"],
                last_name=row["last_name"],
            )
            for row in batch
        }
        return build_timesheet(facts, fixes, terms, self.rules, tz=self.zone, policy=self.policy, as_of=self.as_of)


def central_timesheet_csv(
    connection: Connection,
    company_id: str,
    period: Period,
    *,
    site_code: str | None = None,
    department_code: str | None = None,
    as_of: datetime,
) -> str:
    """The central timesheet as the CSV `python main.py timesheet` prints."""
    out = io.StringIO()
    scope = TimesheetScope(company_id, site_code, department_code)
    write_central_timesheet(connection, scope, period, as_of=as_of, csv_out=out)
    return out.getvalue()


CHUNK_CHARACTERS = 64 * 1024
"""How much of a streamed CSV is gathered before it is handed on: large enough to keep the pieces few."""


def central_timesheet_chunks(
    connection: Connection,
    scope: TimesheetScope,
    period: Period,
    *,
    as_of: datetime,
    totals: bool = False,
    chunk_characters: int = CHUNK_CHARACTERS,
) -> Iterator[str]:
    """The scope's day-row CSV (or, with `totals`, its employees' totals CSV) in pieces as the timesheet is derived,
    for a download that starts before the whole report exists. Joined, the pieces are exactly what
    `write_central_timesheet` writes to `csv_out` (or `totals_out`).

    Raises:
        RuleViolation, ReportsBlocked: as `central_timesheet`, when this is called, before any piece is made.
    """
    rows = central_timesheet(
        connection,
        scope.company_id,
        period,
        site_code=scope.site_code,
        department_code=scope.department_code,
        as_of=as_of,
    )
    buffer = io.StringIO()
    passing = totals_csv_passing(rows, buffer) if totals else timesheet_csv_passing(rows, buffer)

    def pieces() -> Iterator[str]:
        for _row in passing:
            if buffer.tell() >= chunk_characters:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        # The header of an empty report, or the rows since the last piece.
        yield buffer.getvalue()

    return pieces()


def write_central_timesheet(
    connection: Connection,
    scope: TimesheetScope,
    period: Period,
    *,
    as_of: datetime,
    csv_out: TextIO | None = None,
    totals_out: TextIO | None = None,
    workbook_out: Path | BinaryIO | None = None,
) -> int:
    """Write the scope's timesheet of `period` in one streamed pass: the day rows' CSV (`csv_out`), the employees'
    totals CSV (`totals_out`) and the workbook of day rows and totals (`workbook_out`), whichever are given;
    returns the number of day rows.

    Raises:
        RuleViolation, ReportsBlocked: as `central_timesheet`, before anything is written.
    """
    rows = central_timesheet(
        connection,
        scope.company_id,
        period,
        site_code=scope.site_code,
        department_code=scope.department_code,
        as_of=as_of,
    )
    if csv_out is not None:
        rows = timesheet_csv_passing(rows, csv_out)
    if totals_out is not None:
        rows = totals_csv_passing(rows, totals_out)
    if workbook_out is not None:
        return write_timesheet_workbook([(period, rows)], workbook_out)
    return sum(1 for _row in rows)
