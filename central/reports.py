"""Timesheets at head office, from the central facts, by the same code the kiosks use.

The punches (whose time is the server-anchored one wherever the kiosk had synced), the corrections (including
those of resolved missed clock-outs), the roster and rule sets are read from the central database and handed to the
domain's `build_timesheet` and `write_timesheet_csv`, with the same reading window and the same report blocking
as the kiosk's `kiosk.services.reports`. A kiosk and head office holding the same facts therefore print the same CSV.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from central.incidents import pending_count
from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import MissedClockoutSettings
from kiosk.domain.timesheet import (
    DaySummary,
    EmployeeTerms,
    Period,
    ReportsBlocked,
    build_timesheet,
    write_timesheet_csv,
)
from wire.records import correction_from_row, department_rules_from_row, punch_from_row
from wire.schema import companies, corrections, departments, employees, punches, rule_sets, sites

log = logging.getLogger(__name__)


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


def central_timesheet(
    connection: Connection,
    company_id: str,
    period: Period,
    *,
    site_code: str | None = None,
    as_of: datetime,
) -> list[DaySummary]:
    """Day summaries of a company's employees (at the site with `site_code`, or all sites sharing one time zone).

    Raises:
        RuleViolation: unknown company or site, several time zones without a site.
        ReportsBlocked: the company blocks reports while missed clock-outs are unresolved, and some are.
    """
    company = connection.execute(select(companies).where(companies.c.id == company_id)).mappings().first()
    if company is None:
        raise RuleViolation("unknown_company", f"no company {company_id!r} in the central database")
    if company["block_reports_on_pending"]:
        unresolved = pending_count(connection, company_id=company_id)
        if unresolved:
            raise ReportsBlocked(unresolved)
    zone, site_id = _zone(connection, company_id, site_code)
    query = select(punches).where(punches.c.company_id == company_id)
    if site_id is not None:
        query = query.where(punches.c.site_id == site_id)
    start, end = period.fact_window(zone)
    if start is not None:
        query = query.where(punches.c.occurred_at >= start)
    if end is not None:
        query = query.where(punches.c.occurred_at < end)
    facts = [punch_from_row(row) for row in connection.execute(query).mappings()]
    known = {punch.id for punch in facts}
    fixes = [
        correction_from_row(row)
        for row in connection.execute(select(corrections).where(corrections.c.company_id == company_id)).mappings()
        if row["target_punch_id"] in known
    ]
    names = {
        row.id: row.name
        for row in connection.execute(
            select(departments.c.id, departments.c.name).where(departments.c.company_id == company_id)
        )
    }
    terms = {
        row.id: EmployeeTerms(
            names.get(row.department_id, ""),
            row.daily_rate,
            number=row.number,
            first_name=row.first_name,
            last_name=row.last_name,
        )
        for row in connection.execute(select(employees).where(employees.c.company_id == company_id))
    }
    rules = {
        names[row["department_id"]]: department_rules_from_row(row, names[row["department_id"]])
        for row in connection.execute(select(rule_sets).where(rule_sets.c.company_id == company_id)).mappings()
    }
    settings = MissedClockoutSettings(
        missed_clockout_enabled=company["missed_clockout_enabled"],
        block_reports_on_pending=company["block_reports_on_pending"],
        open_session_limit=timedelta(minutes=company["open_session_limit_minutes"]),
    )
    summaries = build_timesheet(facts, fixes, terms, rules, tz=zone, policy=settings.session_policy(), as_of=as_of)
    found = [summary for summary in summaries if period.contains(summary.business_date)]
    log.info("central timesheet of %s %s: %d rows from %d punches", company_id, period, len(found), len(facts))
    return found


def central_timesheet_csv(
    connection: Connection, company_id: str, period: Period, *, site_code: str | None = None, as_of: datetime
) -> str:
    """The central timesheet as the CSV `python main.py timesheet` prints."""
    out = io.StringIO()
    write_timesheet_csv(central_timesheet(connection, company_id, period, site_code=site_code, as_of=as_of), out)
    return out.getvalue()
