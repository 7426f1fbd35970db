"""Missed clock-out incidents in the central database: three append-only facts put back together.

An incident (made on the kiosk when a session was found open), the employee's claim and the admin's resolution are
separate rows, because a kiosk may insert but never update: an incident created before its claim is not rewritten
when the claim arrives. The status is read from which facts exist. A resolution also writes the CLOSE_SESSION
correction the domain derives from it (its id is derived from the incident's, so a kiosk that resolved the same
incident offline sends an identical correction, which the push recognises as already there).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Engine, Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from central.audit import record
from central.database import transaction
from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import IncidentStatus, MissedClockoutIncident
from kiosk.domain.punches import CorrectionKind, Punch
from wire.records import correction_row, incident_from_rows, incident_rows, punch_from_row
from wire.schema import (
    corrections,
    employees,
    incident_resolutions,
    kiosks,
    missed_clockout_claims,
    missed_clockout_incidents,
    punches,
    sites,
)

log = logging.getLogger(__name__)


def _incident_query() -> Select[Any]:
    i, c, r = missed_clockout_incidents, missed_clockout_claims, incident_resolutions
    return (
        select(
            *[col.label(f"i_{col.name}") for col in i.c],
            *[col.label(f"c_{col.name}") for col in c.c],
            *[col.label(f"r_{col.name}") for col in r.c],
        )
        .outerjoin(c, c.c.incident_id == i.c.id)
        .outerjoin(r, r.c.incident_id == i.c.id)
        .order_by(i.c.login_time, i.c.id)
    )


def _split(row: Mapping[Any, Any]) -> MissedClockoutIncident:
    def part(prefix: str) -> dict[str, Any]:
        return {key[2:]: value for key, value in row.items() if key.startswith(prefix)}

    claim, resolution = part("c_"), part("r_")
    return incident_from_rows(
        part("i_"),
        claim if claim["incident_id"] is not None else None,
        resolution if resolution["incident_id"] is not None else None,
    )


def list_incidents(
    connection: Connection, *, company_id: str | None = None, status: IncidentStatus | None = None
) -> list[MissedClockoutIncident]:
    """Incidents in clock-in order, optionally of one company and one status."""
    query = _incident_query()
    if company_id is not None:
        query = query.where(missed_clockout_incidents.c.company_id == company_id)
    incidents = [_split(row) for row in connection.execute(query).mappings()]
    return [incident for incident in incidents if status is None or incident.status is status]


def get_incident(connection: Connection, incident_id: uuid.UUID) -> MissedClockoutIncident:
    """One incident; an unknown id is a clear error."""
    row = connection.execute(_incident_query().where(missed_clockout_incidents.c.id == incident_id)).mappings().first()
    if row is None:
        raise RuleViolation("unknown_incident", f"there is no missed clock-out incident {incident_id}")
    return _split(row)


def pending_count(connection: Connection, *, company_id: str | None = None) -> int:
    """Unresolved incidents (pending or claimed): the admin banner's number."""
    query = (
        select(func.count())
        .select_from(missed_clockout_incidents)
        .outerjoin(incident_resolutions, incident_resolutions.c.incident_id == missed_clockout_incidents.c.id)
        .where(incident_resolutions.c.incident_id.is_(None))
    )
    if company_id is not None:
        query = query.where(missed_clockout_incidents.c.company_id == company_id)
    return int(connection.execute(query).scalar_one())


def resolve(
    target: Engine | Connection,
    incident_id: uuid.UUID,
    *,
    approve: bool,
    resolved_by: str,
    notes: str,
    logout_time: datetime | None,
    now: datetime,
) -> MissedClockoutIncident:
    """Approve the claimed time, or reject it with the time the admin sets (notes required).

    The resolution, its CLOSE_SESSION correction and an audit entry are written in one transaction (a new one for
    an engine, the caller's for a connection). A second resolution of the same incident (here or from a kiosk) is
    refused by the key on the resolutions table.
    """
    with transaction(target) as connection:
        incident = get_incident(connection, incident_id)
        if approve:
            if logout_time is not None:
                raise RuleViolation("approve_takes_no_time", "approving keeps the claimed time; to set another, reject")
            resolved = incident.approve(resolved_by, notes, now)
        else:
            if logout_time is None:
                raise RuleViolation("override_time_missing", "rejecting a claim needs the clock-out time to use")
            resolved = incident.reject(logout_time, notes, resolved_by, now)
        _, _, resolution = incident_rows(resolved, site_id=None, kiosk_id=None)
        assert resolution is not None
        correction = resolved.resolution_correction()
        try:
            with connection.begin_nested():
                connection.execute(insert(incident_resolutions).values(resolution))
        except IntegrityError as error:
            raise RuleViolation("incident_resolved", "this missed clock-out was resolved meanwhile") from error
        connection.execute(
            insert(corrections).values(correction_row(correction, company_id=resolved.company_id, kiosk_id=None))
        )
        record(
            connection,
            company_id=resolved.company_id,
            at=now,
            actor=resolved_by,
            action=f"missed_clockout.{resolved.status.value}",
            subject=str(resolved.id),
            detail={"final_logout_time": str(resolved.final_logout_time), "notes": notes},
        )
    log.info("missed clock-out %s %s by %s", resolved.id, resolved.status.value, resolved_by)
    return resolved


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What the incident list is narrowed to; None means any."""

    site_id: str | None = None
    status: IncidentStatus | None = None
    employee: str | None = None  # part of the employee number or name
    first_day: date | None = None  # business dates of the clock-in, in the site's time zone
    last_day: date | None = None
    unresolved_only: bool = False  # pending or claimed: what the banner counts


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """One incident as a list shows it: the incident, the employee's number and the site's code and time zone."""

    incident: MissedClockoutIncident
    employee_number: str
    site_code: str | None
    timezone: str | None


def search_incidents(
    connection: Connection, company_id: str, wanted: IncidentFilter, *, limit: int, offset: int = 0
) -> tuple[list[IncidentLine], int]:
    """One page of the company's incidents matching `wanted`, newest clock-in first, and how many match in all.

    The status is read from which facts exist, in SQL, so that a filter by status pages correctly.
    """
    i, c, r = missed_clockout_incidents, missed_clockout_claims, incident_resolutions
    conditions: list[ColumnElement[bool]] = [i.c.company_id == company_id]
    if wanted.site_id is not None:
        conditions.append(i.c.site_id == wanted.site_id)
    if wanted.status is IncidentStatus.PENDING:
        conditions += [c.c.incident_id.is_(None), r.c.incident_id.is_(None)]
    elif wanted.status is IncidentStatus.EMPLOYEE_CLAIMED:
        conditions += [c.c.incident_id.is_not(None), r.c.incident_id.is_(None)]
    elif wanted.status is not None:
        conditions.append(r.c.status == wanted.status.value)
    if wanted.unresolved_only:
        conditions.append(r.c.incident_id.is_(None))
    if wanted.employee:
        pattern = f"%{wanted.employee.strip()}%"
        conditions.append(
            or_(
                employees.c.number.ilike(pattern),
                (i.c.first_name + " " + i.c.last_name).ilike(pattern),
            )
        )
    local_day = func.date(func.timezone(func.coalesce(sites.c.timezone, "UTC"), i.c.login_time))
    if wanted.first_day is not None:
        conditions.append(local_day >= wanted.first_day)
    if wanted.last_day is not None:
        conditions.append(local_day <= wanted.last_day)
    joined = (
        i.outerjoin(c, c.c.incident_id == i.c.id)
        .outerjoin(r, r.c.incident_id == i.c.id)
        .outerjoin(sites, sites.c.id == i.c.site_id)
        .join(employees, employees.c.id == i.c.employee_id)
    )
    total = int(connection.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one())
    query = (
        _incident_query()
        .add_columns(employees.c.number.label("x_number"), sites.c.code.label("x_site"), sites.c.timezone.label("x_tz"))
        .outerjoin(sites, sites.c.id == i.c.site_id)
        .join(employees, employees.c.id == i.c.employee_id)
        .where(*conditions)
        .order_by(None)
        .order_by(i.c.login_time.desc(), i.c.id)
        .limit(limit)
        .offset(offset)
    )
    lines = [
        IncidentLine(_split(row), row["x_number"], row["x_site"], row["x_tz"])
        for row in connection.execute(query).mappings()
    ]
    return lines, total


def punches_around(connection: Connection, incident: MissedClockoutIncident, zone: ZoneInfo) -> list[Punch]:
    """The employee's punches from the start of the clock-in's local day to the end of the next one: the day of
    the session left open, and whatever came after it (an overnight shift, the next clock-in)."""
    day = incident.login_time.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    query = (
        select(punches)
        .where(
            punches.c.company_id == incident.company_id,
            punches.c.employee_id == incident.employee_id,
            punches.c.occurred_at >= start,
            punches.c.occurred_at < start + timedelta(days=2),
        )
        .order_by(punches.c.occurred_at, punches.c.id)
    )
    return [punch_from_row(row) for row in connection.execute(query).mappings()]


def resolving_kiosk(connection: Connection, incident: MissedClockoutIncident) -> str | None:
    """The name of the kiosk whose supervisor resolved the incident, or None when head office did (or no one yet).

    The resolution's CLOSE_SESSION correction carries the kiosk that made it.
    """
    return connection.execute(
        select(kiosks.c.name)
        .select_from(corrections.join(kiosks, kiosks.c.id == corrections.c.kiosk_id))
        .where(
            corrections.c.target_punch_id == incident.clock_in_punch_id,
            corrections.c.kind == CorrectionKind.CLOSE_SESSION.value,
        )
    ).scalar()
